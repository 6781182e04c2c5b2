package io.vajra.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Java's mirror of the batch layout must match what native was compiled with. */
class ProcessRecordLayoutTest {

    @Test
    void everyOffsetMatchesNative() {
        int[] nativeFacts = ProbeSession.nativeLayoutFacts();
        assertEquals(ProcessRecordLayout.FACTS.length, nativeFacts.length,
                "native and Java list a different number of layout facts");
        assertArrayEquals(ProcessRecordLayout.FACTS, nativeFacts,
                "offsets differ: update ProcessRecordLayout from bpf/events.h");
    }

    @Test
    void counterNamesMatchNativeCount() {
        // ProbeCounters' constructor rejects a count that differs from its names.
        assertEquals(ProbeCounters.NAMES.length, new ProbeCounters(new long[ProbeCounters.NAMES.length]).asMap().size());
    }
}
