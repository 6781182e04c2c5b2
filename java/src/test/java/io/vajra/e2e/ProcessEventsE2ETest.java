package io.vajra.e2e;

import static io.vajra.e2e.KernelPipeline.output;
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

/**
 * bpf_process_events end to end: real syscalls on this kernel, asserted on the rows that
 * come out of the table. Runs as root. Each test matches its own pids and markers.
 */
class ProcessEventsE2ETest {
    private static final long JVM_PID = ProcessHandle.current().pid();
    private static KernelPipeline pipeline;
    private static Process olderThanVajra;
    private static String olderMarker;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        olderMarker = marker();
        olderThanVajra = new ProcessBuilder("/bin/sh", "-c", "sleep 60; : " + olderMarker).start();
        pipeline = new KernelPipeline(ProbeSettings.defaults());
    }

    @AfterAll
    static void stop() {
        olderThanVajra.destroyForcibly();
        pipeline.close();
    }

    private static String marker() {
        return "vj-" + UUID.randomUUID();
    }

    /** The successful exec of {@code p} that carries {@code marker} (the JVM's own
     *  jspawnhelper execs first under the same pid). */
    private static Map<String, Object> execOf(Process p, String marker) {
        return execOf(p, marker, null);
    }

    /** As above, of the binary {@code path} (a shell that execs shares the pid and marker). */
    private static Map<String, Object> execOf(Process p, String marker, String path) {
        return pipeline.awaitOne(row -> row.get("pid").equals(p.pid())
                && ((String) row.get("syscall")).startsWith("execve")
                && "0".equals(row.get("exit_code"))
                && ((String) row.get("cmdline")).contains(marker)
                && (path == null || path.equals(row.get("path"))));
    }

    private static Map<String, Object> exitOf(Process p) {
        return pipeline.awaitOne(row -> row.get("pid").equals(p.pid()) && "exit".equals(row.get("syscall")));
    }

    @Test
    void argvWithSpacesQuotesAndNewlinesIsKeptExactly() {
        String marker = marker();
        Process p = run(dir, "/bin/echo", marker, "two words", "it's", "line1\nline2", "", "tab\there");
        Map<String, Object> row = execOf(p, marker);
        assertEquals("/usr/bin/echo", row.get("path"));
        assertEquals("/bin/echo", row.get("filename"));
        assertEquals(dir.toString(), row.get("cwd"));
        assertEquals("execve", row.get("syscall"));
        assertEquals("0", row.get("exit_code"));
        assertEquals(JVM_PID, row.get("parent"));
        assertEquals(0L, row.get("uid"));
        assertEquals(0L, row.get("probe_error"));
        assertEquals(0L, row.get("cmdline_truncated"));
        assertEquals("/bin/echo " + marker + " 'two words' it's 'line1\nline2'  'tab\there'", row.get("cmdline"));
        assertEquals("[\"/bin/echo\",\"" + marker + "\",\"two words\",\"it's\",\"line1\\nline2\",\"\",\"tab\\there\"]",
                row.get("json_cmdline"));
        assertEquals(7L, row.get("argc"));
        assertTrue((Long) row.get("duration") > 0, "duration comes from the syscall enter time");
        long now = System.currentTimeMillis() / 1000;
        long time = (Long) row.get("time");
        assertTrue(Math.abs(now - time) < 60, "time is UNIX seconds: " + time);
    }

    @Test
    void invalidUtf8ArgumentsAreEscapedNotLost() {
        String marker = marker();
        Process p = run(dir, "/usr/bin/perl", "-e", "exec {'/bin/echo'} 'echo', '" + marker + "', \"\\xff\\xfeok\", \"caf\\xc3\\xa9\"");
        Map<String, Object> row = execOf(p, marker, "/usr/bin/echo");
        assertEquals("echo " + marker + " \\xff\\xfeok café", row.get("cmdline"));
    }

    @Test
    void fiveThousandArgumentsAreAllThere() {
        String marker = marker();
        List<String> command = new ArrayList<>(List.of("/bin/true", marker));
        for (int i = 0; i < 5000; i++) {
            command.add("a" + i);
        }
        Process p = run(dir, command.toArray(String[]::new));
        Map<String, Object> row = execOf(p, marker);
        assertEquals(5002L, row.get("argc"));
        assertEquals(0L, row.get("cmdline_truncated"));
        assertEquals(String.join(" ", command), row.get("cmdline"));
    }

    @Test
    void longArgvIsCutAtTheCapFlaggedAndItsTrueLengthKept() {
        String marker = marker();
        String big = "x".repeat(100 * 1024);
        Process p = run(dir, "/bin/true", marker, big, big);
        Map<String, Object> row = execOf(p, marker);
        long trueLength = "/bin/true".length() + 1 + marker.length() + 1 + 2L * (big.length() + 1);
        assertEquals(trueLength, row.get("cmdline_size"));
        assertEquals(1L, row.get("cmdline_truncated"));
        String cmdline = (String) row.get("cmdline");
        assertTrue(cmdline.startsWith("/bin/true " + marker + " xxxx"), cmdline.substring(0, 80));
        // 32 KiB of argv: NULs became spaces, the last argument was cut before its NUL.
        assertEquals(ProbeSettings.DEFAULT_ARGV_CAP, cmdline.length(), "cut at the 32 KiB cap");
    }

    @Test
    void singleArgumentOver128KiBFailsWithE2bigAndIsReported() {
        // The kernel caps one argument at 128 KiB (MAX_ARG_STRLEN): a 200 KiB one cannot exec.
        String marker = marker();
        Process p = run(dir, "/usr/bin/perl", "-e", "exec {'/bin/true'} 'true', '" + marker + "', 'y' x (200*1024)");
        Map<String, Object> row = pipeline.awaitOne(r -> r.get("pid").equals(p.pid())
                && "-7".equals(r.get("exit_code")));
        assertEquals("execve", row.get("syscall"));
        assertEquals("/bin/true", row.get("path"));
        assertEquals(1L, row.get("cmdline_truncated"));
        assertTrue(((String) row.get("cmdline")).startsWith("true " + marker + " yyyy"));
    }

    @Test
    void binaryStartedThroughASymlinkReportsTheTarget() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("echo-link"), Path.of("/usr/bin/echo"));
        String marker = marker();
        Process p = run(dir, link.toString(), marker);
        Map<String, Object> row = execOf(p, marker);
        assertEquals("/usr/bin/echo", row.get("path"));
        assertEquals(link.toString(), row.get("filename"));
    }

    @Test
    void relativePathIsResolvedByTheKernel() throws Exception {
        Path copy = Files.copy(Path.of("/usr/bin/true"), dir.resolve("my true"));
        copy.toFile().setExecutable(true);
        String marker = marker();
        Process p = run(dir, "/bin/sh", "-c", "exec './my true' " + marker);
        Map<String, Object> row = execOf(p, marker, copy.toString());
        assertEquals("./my true", row.get("filename"));
        assertEquals("'./my true' " + marker, row.get("cmdline"));
        assertEquals(dir.toString(), row.get("cwd"));
    }

    @Test
    void failedExecsCarryTheError() throws Exception {
        String marker = marker();
        Path noExec = Files.writeString(dir.resolve("not-executable"), "#!/bin/sh\n");
        Process p = run(dir, "/usr/bin/perl", "-e",
                "exec {'/nonexistent/" + marker + "'} 'a'; exec {'" + noExec + "'} 'b', '" + marker
                        + "'; exec {'relative/" + marker + "'} 'c'; exit 0");
        List<Map<String, Object>> rows = pipeline.await(3, r -> r.get("pid").equals(p.pid())
                && !"0".equals(r.get("exit_code")) && "execve".equals(r.get("syscall"))
                && (((String) r.get("path")).contains(marker) || ((String) r.get("cmdline")).contains(marker)));
        assertEquals(List.of("-2", "-13", "-2"), rows.stream().map(r -> r.get("exit_code")).toList());
        assertEquals(List.of("/nonexistent/" + marker, noExec.toString(), dir + "/relative/" + marker),
                rows.stream().map(r -> r.get("path")).toList());
        assertEquals("b " + marker, rows.get(1).get("cmdline"));
        assertEquals("relative/" + marker, rows.get(2).get("filename"));
    }

    @Test
    void execveatIsNamed() {
        String marker = marker();
        Process p = run(dir, KernelPipeline.helper().toString(), "execveat", "/usr/bin/echo", marker);
        Map<String, Object> row = execOf(p, marker, "/usr/bin/echo");
        assertEquals("execveat", row.get("syscall"));
        assertEquals("/usr/bin/echo", row.get("path"));
        assertEquals("/usr/bin/echo " + marker, row.get("cmdline"));
    }

    @Test
    void forkWithoutExecEachSyscallByNameWithItsExit() {
        for (String how : List.of("fork", "vfork", "clone", "clone3")) {
            String marker = marker();
            String out = output(dir, KernelPipeline.helper().toString(), how, "7", marker);
            long child = Long.parseLong(out.trim().replace("child=", ""));
            Map<String, Object> fork = pipeline.awaitOne(r -> r.get("pid").equals(child)
                    && !"exit".equals(r.get("syscall")));
            assertEquals(how, fork.get("syscall"));
            assertEquals(KernelPipeline.helper().toString(), fork.get("path"));
            assertTrue(((String) fork.get("cmdline")).endsWith(how + " 7 " + marker),
                    "a fork runs its parent's image: " + fork.get("cmdline"));
            Map<String, Object> exit = pipeline.awaitOne(r -> r.get("pid").equals(child)
                    && "exit".equals(r.get("syscall")));
            assertEquals("7", exit.get("exit_code"));
            assertEquals(0L, exit.get("exit_signal"));
            assertEquals(fork.get("parent"), exit.get("parent"));
        }
    }

    @Test
    void exitCodesAndDeathBySignal() {
        String marker = marker();
        Process code = run(dir, "/bin/sh", "-c", "exit 42; : " + marker);
        Process killed = run(dir, "/bin/sh", "-c", "kill -KILL $$; : " + marker);
        Map<String, Object> exited = exitOf(code);
        assertEquals("42", exited.get("exit_code"));
        assertEquals(0L, exited.get("exit_signal"));
        assertEquals("/usr/bin/dash", exited.get("path"));
        assertEquals("/bin/sh -c 'exit 42; : " + marker + "'", exited.get("cmdline"));
        Map<String, Object> died = exitOf(killed);
        assertEquals(9L, died.get("exit_signal"));
        assertEquals("0", died.get("exit_code"));
    }

    @Test
    void deletedWorkingDirectoryIsReportedAsDeleted() {
        String marker = marker();
        Process p = run(dir, "/bin/sh", "-c", "mkdir gone && cd gone && rmdir ../gone && exec /bin/echo " + marker);
        Map<String, Object> row = execOf(p, marker, "/usr/bin/echo");
        assertEquals(dir.resolve("gone") + " (deleted)", row.get("cwd"));
    }

    @Test
    void aWorkingDirectoryDeeperThanTheWalkIsCutAtTheTop() throws Exception {
        String marker = marker();
        Path deep = dir;
        for (int i = 0; i < 140; i++) {
            deep = deep.resolve("d");
        }
        Files.createDirectories(deep);
        Process p = run(deep, "/bin/echo", marker);
        Map<String, Object> row = execOf(p, marker, "/usr/bin/echo");
        // The kernel walks 128 levels up from the leaf: the 128 lowest names, the rest cut.
        assertEquals("/d".repeat(128), row.get("cwd"));
        assertEquals(0L, row.get("probe_error"));
    }

    @Test
    void pathsWithNewlinesAndInvalidUtf8ComeOutIntact() {
        String marker = marker();
        Process p = run(dir, "/usr/bin/perl", "-e", "my $d = \"odd\\nname \\xff\"; mkdir $d or die; chdir $d or die;"
                + " symlink('/usr/bin/echo', \"echo\\x01\\xfe\") or die; exec {\"./echo\\x01\\xfe\"} 'e', '" + marker + "'");
        Map<String, Object> row = execOf(p, marker, "/usr/bin/echo");
        // Valid UTF-8 (the newline included) passes through; each invalid byte becomes \xNN.
        assertEquals(dir + "/odd\nname \\xff", row.get("cwd"));
        assertEquals("./echo\u0001\\xfe", row.get("filename"));
    }

    @Test
    void processStartedBeforeVajraIsKnownAtItsExit() throws Exception {
        olderThanVajra.destroy();
        olderThanVajra.waitFor();
        Map<String, Object> exit = exitOf(olderThanVajra);
        assertEquals("/usr/bin/dash", exit.get("path"));
        assertEquals("/bin/sh -c 'sleep 60; : " + olderMarker + "'", exit.get("cmdline"));
        assertEquals(JVM_PID, exit.get("parent"));
        assertEquals(15L, exit.get("exit_signal"));
    }

    @Test
    void credentialsAfterAUserSwitch() throws Exception {
        String marker = marker();
        Process p = run(dir, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/echo", marker);
        Map<String, Object> row = execOf(p, marker, "/usr/bin/echo");
        assertEquals(65534L, row.get("uid"));
        assertEquals(65534L, row.get("euid"));
        assertEquals(65534L, row.get("gid"));
        assertEquals(65534L, row.get("egid"));
    }

    /**
     * Every id of the credentials apart, as the exit row reports them: setresgid and
     * setresuid (x86-64 syscalls 119 and 117) give real, effective and saved ids three
     * values each, and the fs ids follow the effective ones.
     */
    @Test
    void everyIdOfTheCredentialsInItsOwnColumn() throws Exception {
        Process p = run(dir, "/usr/bin/perl", "-e",
                "syscall(119, 65532, 65531, 65530) == 0 or die; syscall(117, 65534, 65533, 65529) == 0 or die");
        assertEquals(0, p.waitFor());
        Map<String, Object> exit = exitOf(p);
        assertEquals(65534L, exit.get("uid"));
        assertEquals(65533L, exit.get("euid"));
        assertEquals(65529L, exit.get("suid"));
        assertEquals(65533L, exit.get("fsuid"));
        assertEquals(65532L, exit.get("gid"));
        assertEquals(65531L, exit.get("egid"));
        assertEquals(65530L, exit.get("sgid"));
        assertEquals(65531L, exit.get("fsgid"));
        assertEquals(Long.parseLong(Files.readString(Path.of("/proc/self/loginuid")).trim()), exit.get("auid"));
    }

    @Test
    void nothingWasLost() {
        var counters = pipeline.collector.counters();
        assertEquals(0L, counters.lost(), counters.asMap().toString());
    }
}
