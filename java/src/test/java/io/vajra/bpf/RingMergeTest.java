package io.vajra.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The merge of the CPUs' rings (native/rings.c), in the states a real ring reaches only
 * by chance; native/testing/merge_check.c lays the rings out and checks each case.
 */
class RingMergeTest {
    @Test
    void mergesRingsInOrderInEveryState() throws IOException, InterruptedException {
        Path check = Path.of(System.getProperty("vajra.test.helpers"), "merge_check");
        Process p = new ProcessBuilder(check.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) { // its output is a few lines: no pipe fills meanwhile
            p.destroyForcibly();
            fail("merge_check did not finish in 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals("merge: all checks passed\n", out);
    }
}
