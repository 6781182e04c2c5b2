package io.vajra.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Java's mirror of the batch layout must match what native was compiled with. */
class ProcessRecordLayoutTest {

    @Test
    void everyOffsetMatchesNative() {
        int[] nativeFacts = ProbeSession.nativeLayoutFacts();
        int[] javaFacts = java.util.stream.Stream.of(ProcessRecordLayout.FACTS, SocketRecordLayout.FACTS,
                FileRecordLayout.FACTS, WriteRecordLayout.FACTS).flatMapToInt(java.util.Arrays::stream).toArray();
        assertEquals(javaFacts.length, nativeFacts.length,
                "native and Java list a different number of layout facts");
        assertArrayEquals(javaFacts, nativeFacts,
                "offsets differ: update ProcessRecordLayout/SocketRecordLayout/FileRecordLayout from bpf/events.h");
    }

    @Test
    void counterNamesMatchNativeCount() {
        // ProbeCounters' constructor rejects a count that differs from its names.
        assertEquals(ProbeCounters.NAMES.length, new ProbeCounters(new long[ProbeCounters.NAMES.length]).asMap().size());
    }
}
