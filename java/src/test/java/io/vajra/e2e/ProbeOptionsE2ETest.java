package io.vajra.e2e;

import static io.vajra.e2e.KernelPipeline.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Non-default probe settings: a 1 KiB argv cap, and no syscall tracepoints at all. */
class ProbeOptionsE2ETest {
    private static KernelPipeline pipeline;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        pipeline = new KernelPipeline(new ProbeSettings(1 << 20, 1024, false, true, false, false));
    }

    @AfterAll
    static void stop() {
        pipeline.close();
    }

    @Test
    void argvIsCutAtTheConfiguredCap() {
        String marker = "vj-" + UUID.randomUUID();
        String arg = "z".repeat(3000);
        Process p = run(dir, "/bin/echo", marker, arg);
        Map<String, Object> row = pipeline.awaitOne(r -> r.get("pid").equals(p.pid())
                && "/usr/bin/echo".equals(r.get("path")) && "execve".equals(r.get("syscall")));
        assertEquals(1L, row.get("cmdline_truncated"));
        assertEquals((long) ("/bin/echo".length() + 1 + marker.length() + 1 + arg.length() + 1), row.get("cmdline_size"));
        assertEquals(1024, ((String) row.get("cmdline")).length());
    }

    @Test
    void withoutSyscallTracepointsFailedExecsAreNotSeenAndDurationIsUnknown() {
        String marker = "vj-" + UUID.randomUUID();
        Process failing = run(dir, "/usr/bin/perl", "-e", "exec {'/nonexistent/" + marker + "'} 'x'; exec {'/bin/echo'} 'echo', '" + marker + "'");
        Map<String, Object> echo = pipeline.awaitOne(r -> r.get("pid").equals(failing.pid())
                && "/usr/bin/echo".equals(r.get("path")) && "execve".equals(r.get("syscall")));
        assertEquals(0L, echo.get("duration"));
        assertTrue(pipeline.rows().stream().noneMatch(r -> ((String) r.get("path")).contains(marker)),
                "a failed exec needs the syscall tracepoints");
        assertEquals(0L, pipeline.collector.counters().get("sent_exec_failed"));
    }

    @Test
    void noSyscallTracepointIsAttachedSoNoSyscallPaysForIt() throws Exception {
        // Every BPF program this JVM holds, by type (fdinfo): 5 is BPF_PROG_TYPE_TRACEPOINT.
        List<String> tracepointPrograms = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fdinfo"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String info = Files.readString(fd);
                    if (info.contains("prog_type:\t5\n")) {
                        tracepointPrograms.add(fd.getFileName().toString());
                    }
                } catch (java.io.IOException closedMeanwhile) {
                    // the listing's own fd
                }
            }
        }
        assertEquals(List.of(), tracepointPrograms, "syscall tracepoint programs still loaded");
        Process p = run(dir, "/usr/bin/perl", "-MIO::Socket::INET", "-e",
                "IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1:0') or die");
        assertEquals(0, p.exitValue());
        assertTrue(pipeline.socketRows().stream().noneMatch(r -> r.get("pid").equals(p.pid())),
                "no socket probes, no socket rows");
    }
}
