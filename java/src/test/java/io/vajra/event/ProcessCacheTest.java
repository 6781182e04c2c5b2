package io.vajra.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vajra.bpf.ProcessRecordLayout;
import io.vajra.testing.ProcessEventBuilder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProcessCacheTest {
    private final ProcessCache cache = new ProcessCache(ProcessCache.DEFAULT_CAPACITY);

    private void exec(int pid, String path) {
        cache.observe(new ProcessEventBuilder().op(ProcessRecordLayout.OP_EXECVE).pid(pid).startBootNanos(pid)
                .path(path).build());
    }

    private String pathOf(int pid) {
        return new String(cache.pathOf(pid), StandardCharsets.UTF_8);
    }

    @Test
    void twoProcessesTakingTurnsEachGetTheirOwnBinary() {
        exec(1000, "/usr/bin/client");
        exec(2000, "/usr/bin/server");
        for (int i = 0; i < 3; i++) {
            assertEquals("/usr/bin/client", pathOf(1000));
            assertEquals("/usr/bin/server", pathOf(2000));
        }
        assertEquals("", pathOf(3000));
        assertEquals("/usr/bin/server", pathOf(2000));
        assertEquals("/usr/bin/client", pathOf(1000));
    }

    @Test
    void whatWasRememberedIsForgottenWhenAProcessChanges() {
        exec(1000, "/usr/bin/client");
        exec(2000, "/usr/bin/server");
        assertEquals("/usr/bin/client", pathOf(1000));
        assertEquals("/usr/bin/server", pathOf(2000));
        exec(1000, "/usr/bin/other");
        assertEquals("/usr/bin/other", pathOf(1000));
        cache.observe(new ProcessEventBuilder().op(ProcessRecordLayout.OP_EXIT).pid(2000).startBootNanos(2000).build());
        assertArrayEquals(new byte[0], cache.pathOf(2000));
        assertEquals("/usr/bin/other", pathOf(1000));
    }

    @Test
    void aProcessUnknownWhenLookedUpIsKnownOnceItExecs() {
        exec(1000, "/usr/bin/client");
        assertEquals("", pathOf(1001));
        assertEquals("/usr/bin/client", pathOf(1000));
        exec(1001, "/usr/bin/server");
        for (int i = 0; i < 3; i++) {
            assertEquals("/usr/bin/server", pathOf(1001));
            assertEquals("/usr/bin/client", pathOf(1000));
        }
    }
}
