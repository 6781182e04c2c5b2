package io.vajra.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bpf_file_events end to end: real file syscalls on this kernel, made by small perl programs
 * that call each syscall by number (so the syscall is exactly the one named), asserted on the
 * rows of the table. Runs as root. Each test works in its own directory under the watched
 * tree and matches rows by its program's pid; "every row of a program" is settled with a
 * barrier (a later file written by the test JVM itself: the ring delivers in order).
 */
class FileEventsE2ETest {
    private static final String PERL = "/usr/bin/perl";

    /** strict perl, syscall numbers (x86_64) and helpers; prints the pid first. */
    private static final String PRELUDE = """
            use strict; use warnings; use POSIX (); $| = 1;
            use constant { AT_FDCWD => -100, O_RDONLY => 0, O_WRONLY => 1, O_RDWR => 2, O_CREAT => 0100,
                O_TRUNC => 01000, O_APPEND => 02000, O_DIRECTORY => 0200000, AT_REMOVEDIR => 0x200,
                AT_EMPTY_PATH => 0x1000, AT_SYMLINK_NOFOLLOW => 0x100 };
            my %NR = (read => 0, write => 1, open => 2, close => 3, dup2 => 33, truncate => 76, ftruncate => 77,
                rename => 82, mkdir => 83, rmdir => 84, creat => 85, link => 86, unlink => 87, symlink => 88,
                chmod => 90, fchmod => 91, chown => 92, fchown => 93, lchown => 94, utime => 132,
                setxattr => 188, lsetxattr => 189, fsetxattr => 190, removexattr => 197, lremovexattr => 198,
                fremovexattr => 199, utimes => 235, openat => 257, mkdirat => 258, fchownat => 260,
                futimesat => 261, unlinkat => 263, renameat => 264, linkat => 265, symlinkat => 266,
                fchmodat => 268, utimensat => 280, dup3 => 292, renameat2 => 316, openat2 => 437,
                fchmodat2 => 452, exit_group => 231);
            # copies: perl's syscall() may write into string arguments, literals are read-only
            sub sc { my ($name, @a) = @_; my $r = syscall($NR{$name}, @a); die "$name: $!" if $r < 0; return $r; }
            sub wr { my ($fd, $data) = @_; return sc('write', $fd, $data, length $data); }
            print "pid=$$\\n";
            """;

    private static KernelPipeline pipeline;
    private static Path base;
    private static Path watched;
    private static Path unwatched;
    private static Path bind;
    private static String config;

    @BeforeAll
    static void start() throws IOException {
        base = Files.createTempDirectory(Path.of("/tmp"), "vajra-fim-");
        watched = Files.createDirectories(base.resolve("w"));
        unwatched = Files.createDirectories(base.resolve("u"));
        Files.createDirectories(watched.resolve("excluded"));
        Files.createDirectories(base.resolve("acc"));
        bind = Files.createDirectories(base.resolve("bind"));
        KernelPipeline.run(base, "mount", "--bind", watched.toString(), bind.toString());
        config = """
                {"file_paths": {"tree": ["%1$s/w/%%%%"], "acc": ["%1$s/acc/%%%%"]},
                 "exclude_paths": {"tree": ["%1$s/w/excluded/%%%%"]},
                 "file_accesses": ["acc"]}""".formatted(base);
        pipeline = new KernelPipeline(ProbeSettings.defaults());
        pipeline.watch(config);
    }

    @AfterAll
    static void stop() {
        if (bind != null) {
            KernelPipeline.run(base, "umount", bind.toString());
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** A fresh directory for one test, inside the watched tree. */
    private static Path testDir(String name) throws IOException {
        return Files.createDirectories(watched.resolve(name + "-" + UUID.randomUUID()));
    }

    /** Runs perl (after {@link #PRELUDE}) in {@code cwd}; returns its pid. */
    private static long perl(Path cwd, String script, String... args) {
        List<String> command = new ArrayList<>(List.of(PERL, "-e", PRELUDE + script));
        command.addAll(List.of(args));
        return runForPid(cwd, command);
    }

    private static long runForPid(Path cwd, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
            if (!p.waitFor(KernelPipeline.DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("did not finish: " + command);
            }
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("exit " + p.exitValue() + ": " + printed);
            }
            for (String line : printed.split("\n")) {
                if (line.startsWith("pid=")) {
                    return Long.parseLong(line.substring(4));
                }
            }
            throw new AssertionError("no pid printed: " + printed);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Every row of {@code pid}, once the ring has delivered everything before now. */
    private static List<Map<String, Object>> settledRows(long pid) throws IOException {
        Path barrier = watched.resolve("barrier-" + UUID.randomUUID());
        Files.writeString(barrier, "b");
        pipeline.awaitFile(1, row -> barrier.toString().equals(row.get("target_path"))
                && "UPDATED".equals(row.get("action")));
        Files.delete(barrier);
        return pipeline.fileRows().stream().filter(row -> Long.valueOf(pid).equals(row.get("pid"))).toList();
    }

    /** Every row matching {@code match}, once the ring has delivered everything before now. */
    private static List<Map<String, Object>> settledRowsWhere(java.util.function.Predicate<Map<String, Object>> match)
            throws IOException {
        settledRows(-1);
        return pipeline.fileRows().stream().filter(match).toList();
    }

    /** "ACTION path syscall" per row, paths relative to {@code dir}, in row order. */
    private static List<String> summary(List<Map<String, Object>> rows, Path dir) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            out.add(row.get("action") + " " + relative(dir, (String) row.get("target_path")) + " " + row.get("syscall"));
        }
        return out;
    }

    private static String relative(Path dir, String path) {
        String prefix = dir + "/";
        return path.startsWith(prefix) ? path.substring(prefix.length()) : path;
    }

    private static Map<String, Object> only(List<Map<String, Object>> rows, String action, String path) {
        List<Map<String, Object>> found = rows.stream()
                .filter(r -> action.equals(r.get("action")) && path.equals(r.get("target_path"))).toList();
        assertEquals(1, found.size(), () -> "one " + action + " of " + path + " in " + KernelPipeline.abbreviated(rows));
        return found.get(0);
    }

    @Test
    void everyCreatingSyscallGivesOneCreatedRow() throws IOException {
        Path dir = testDir("create");
        Files.writeString(dir.resolve("existing"), "x");
        long pid = perl(dir, """
                my $d = POSIX::open('.', O_RDONLY | O_DIRECTORY);
                sc('close', sc('open', 'by-open', O_WRONLY | O_CREAT, 0644));
                sc('close', sc('openat', AT_FDCWD, 'by-openat', O_RDWR | O_CREAT, 0600));
                sc('close', sc('openat', $d, 'by-openat-dirfd', O_WRONLY | O_CREAT, 0644));
                my $how = pack('QQQ', O_WRONLY | O_CREAT, 0644, 0);
                sc('close', sc('openat2', $d, 'by-openat2', $how, length $how));
                sc('close', sc('creat', 'by-creat', 0644));
                sc('mkdir', 'by-mkdir', 0755);
                sc('mkdirat', $d, 'by-mkdirat', 0755);
                sc('link', 'existing', 'by-link');
                sc('linkat', $d, 'existing', $d, 'by-linkat', 0);
                sc('symlink', 'existing', 'by-symlink');
                sc('symlinkat', '/some/where', $d, 'by-symlinkat');
                sc('close', sc('open', 'existing', O_WRONLY | O_CREAT, 0644));
                """);
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of(
                "CREATED by-open open", "CREATED by-openat openat", "CREATED by-openat-dirfd openat",
                "CREATED by-openat2 openat2", "CREATED by-creat creat",
                "CREATED by-mkdir mkdir", "CREATED by-mkdirat mkdirat", "CREATED by-link link",
                "CREATED by-linkat linkat", "CREATED by-symlink symlink", "CREATED by-symlinkat symlinkat"),
                summary(rows, dir), KernelPipeline.abbreviated(rows));
        assertEquals("/some/where", only(rows, "CREATED", dir + "/by-symlinkat").get("link_target"));
        assertEquals("O_WRONLY|O_CREAT", only(rows, "CREATED", dir + "/by-open").get("flags"));
        Map<String, Object> created = only(rows, "CREATED", dir + "/by-openat");
        assertEquals("0600", created.get("mode"));
        assertEquals("kernel", created.get("stat_source"));
        assertEquals(PERL, created.get("process_path"));
    }

    @Test
    void oneUpdatedRowPerOpenWriteClose() throws IOException {
        Path dir = testDir("update");
        for (String name : List.of("three-writes", "trunc-only", "untouched", "appended", "ftruncated", "truncated",
                "dup2-over", "held-at-exit")) {
            Files.writeString(dir.resolve(name), "0123456789");
        }
        long pid = perl(dir, """
                my $fd = sc('open', 'three-writes', O_WRONLY, 0);
                wr($fd, 'a') for 1 .. 3;
                sc('close', $fd);
                sc('close', sc('open', 'trunc-only', O_WRONLY | O_TRUNC, 0));
                sc('close', sc('open', 'untouched', O_WRONLY, 0));
                $fd = sc('open', 'appended', O_WRONLY | O_APPEND, 0); wr($fd, 'more'); sc('close', $fd);
                $fd = sc('open', 'ftruncated', O_WRONLY, 0); sc('ftruncate', $fd, 3); sc('close', $fd);
                sc('truncate', 'truncated', 2);
                $fd = sc('open', 'dup2-over', O_WRONLY, 0); wr($fd, 'z');
                my $other = sc('open', '/dev/null', O_RDONLY, 0);
                sc('dup2', $other, $fd);
                $fd = sc('open', 'held-at-exit', O_WRONLY | O_APPEND, 0); wr($fd, 'bye');
                syscall($NR{exit_group}, 0);
                """);
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of(
                "UPDATED three-writes close", "UPDATED trunc-only close", "UPDATED appended close",
                "UPDATED ftruncated close", "UPDATED truncated truncate", "UPDATED dup2-over dup2",
                "UPDATED held-at-exit exit"), summary(rows, dir), KernelPipeline.abbreviated(rows));
        Map<String, Object> appended = only(rows, "UPDATED", dir + "/appended");
        assertEquals(14L, appended.get("size"));
        assertEquals("O_WRONLY|O_APPEND", appended.get("flags"));
        Map<String, Object> hashed = awaitHashed(pid, dir + "/appended");
        assertEquals(digest("MD5", "0123456789more"), hashed.get("md5"));
        assertEquals(digest("SHA-256", "0123456789more"), hashed.get("sha256"));
    }

    @Test
    void filesHeldAtExitAreReportedWhenAnotherThreadExecedOrTheLeaderLeftFirst() throws IOException {
        // An exit looks through the remembered files only when its process holds some, a
        // count kept with the process's leader: an exec from another thread replaces the
        // leader, and a leader may exit before the other threads.
        Path dir = testDir("threads");
        Path inherited = Files.writeString(dir.resolve("exec-inherited"), "0");
        Path orphaned = Files.writeString(dir.resolve("leader-gone"), "0");
        String helper = KernelPipeline.helper().toString();
        long execed = runForPid(dir, List.of(helper, "thread-exec", inherited.toString(), "/bin/true"));
        long leaderless = runForPid(dir, List.of(helper, "leader-exits", orphaned.toString()));
        List<Map<String, Object>> execedRows = settledRows(execed);
        assertEquals(List.of("UPDATED exec-inherited exit"), summary(execedRows, dir),
                KernelPipeline.abbreviated(execedRows));
        List<Map<String, Object>> leaderlessRows = settledRows(leaderless);
        assertEquals(List.of("UPDATED leader-gone exit"), summary(leaderlessRows, dir),
                KernelPipeline.abbreviated(leaderlessRows));
    }

    @Test
    void namesOfEveryLengthAroundAWordComeOutWhole() throws IOException {
        // The kernel copies a short name as whole 8-byte words and a long one with a helper:
        // names ending just before, on and after each word boundary, and past the short limit.
        Path dir = testDir("lengths");
        List<String> names = new ArrayList<>();
        for (int length : new int[] {1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 255}) {
            StringBuilder name = new StringBuilder();
            for (int i = 0; i < length; i++) {
                name.append((char) ('a' + (length + i) % 26));
            }
            names.add(name.toString());
        }
        long pid = perl(dir, "sc('close', sc('open', $_, O_WRONLY | O_CREAT, 0644)) for @ARGV;",
                names.toArray(String[]::new));
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(names.stream().map(n -> "CREATED " + n + " open").toList(), summary(rows, dir),
                KernelPipeline.abbreviated(rows));
    }

    @Test
    void aFileRewrittenInALoopGivesOneRowPerCycle() throws IOException {
        // The kernel keeps a closed file's entry for the next open of the same struct file
        // (a loop gets it straight back): each cycle must still give exactly one row, and an
        // open without a write in between none.
        Path dir = testDir("loop");
        Files.writeString(dir.resolve("busy"), "0");
        Files.writeString(dir.resolve("idle"), "0");
        long pid = perl(dir, """
                for my $i (1 .. 100) {
                    my $fd = sc('open', 'busy', O_WRONLY | O_TRUNC, 0); wr($fd, "cycle $i"); sc('close', $fd);
                    sc('close', sc('open', 'idle', O_WRONLY, 0)) if $i % 10 == 0;
                }
                """);
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(100, summary(rows, dir).stream().filter("UPDATED busy close"::equals).count(),
                KernelPipeline.abbreviated(rows));
        assertEquals(100, rows.size(), "nothing for the opens of idle without a write");
    }

    private static Map<String, Object> awaitHashed(long pid, String path) {
        return pipeline.awaitFile(1, r -> path.equals(r.get("target_path")) && "UPDATED".equals(r.get("action"))
                && Long.valueOf(pid).equals(r.get("pid")) && Long.valueOf(1).equals(r.get("hashed"))).get(0);
    }

    private static String digest(String algorithm, String content) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance(algorithm)
                    .digest(content.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void deletions() throws IOException {
        Path dir = testDir("delete");
        for (String name : List.of("by-unlink", "by-unlinkat")) {
            Files.writeString(dir.resolve(name), "x");
        }
        Files.createDirectories(dir.resolve("by-rmdir"));
        Files.createDirectories(dir.resolve("by-unlinkat-dir"));
        long pid = perl(dir, """
                my $d = POSIX::open('.', O_RDONLY | O_DIRECTORY);
                sc('unlink', 'by-unlink');
                sc('unlinkat', $d, 'by-unlinkat', 0);
                sc('rmdir', 'by-rmdir');
                sc('unlinkat', $d, 'by-unlinkat-dir', AT_REMOVEDIR);
                """);
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("DELETED by-unlink unlink", "DELETED by-unlinkat unlinkat", "DELETED by-rmdir rmdir",
                "DELETED by-unlinkat-dir unlinkat"), summary(rows, dir), KernelPipeline.abbreviated(rows));
        assertEquals("AT_REMOVEDIR", only(rows, "DELETED", dir + "/by-unlinkat-dir").get("flags"));
    }

    @Test
    void renamesArePairedAcrossDirectoriesAndTrees() throws IOException {
        Path dir = testDir("move");
        Path other = Files.createDirectories(dir.resolve("other"));
        Path outside = Files.createDirectories(unwatched.resolve("move-" + UUID.randomUUID()));
        for (String name : List.of("a", "b", "c", "leaving")) {
            Files.writeString(dir.resolve(name), name);
        }
        Files.writeString(outside.resolve("arriving"), "in");
        long pid = perl(dir, """
                my ($outside) = @ARGV;
                my $d = POSIX::open('.', O_RDONLY | O_DIRECTORY);
                my $o = POSIX::open('other', O_RDONLY | O_DIRECTORY);
                sc('rename', 'a', 'a2');
                sc('renameat', $d, 'b', $o, 'b2');
                sc('renameat2', $d, 'c', $d, 'c2', 1);
                sc('rename', 'leaving', "$outside/left");
                sc('rename', "$outside/arriving", 'arrived');
                """, outside.toString());
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("MOVED_FROM a rename", "MOVED_TO a2 rename", "MOVED_FROM b renameat",
                "MOVED_TO other/b2 renameat", "MOVED_FROM c renameat2", "MOVED_TO c2 renameat2",
                "MOVED_FROM leaving rename", "MOVED_TO arrived rename"), summary(rows, dir),
                KernelPipeline.abbreviated(rows));
        Object pair = only(rows, "MOVED_FROM", dir + "/b").get("transaction_id");
        assertEquals(pair, only(rows, "MOVED_TO", other + "/b2").get("transaction_id"));
        assertNotEquals(0L, pair);
        assertNotEquals(pair, only(rows, "MOVED_FROM", dir + "/a").get("transaction_id"));
        assertEquals("RENAME_NOREPLACE", only(rows, "MOVED_TO", dir + "/c2").get("flags"));
        // The moved file's attributes, found under its new name.
        assertEquals(1L, only(rows, "MOVED_FROM", dir + "/a").get("size"));
    }

    @Test
    void attributeChangesThroughEverySyscall() throws IOException {
        Path dir = testDir("attrib");
        List<String> names = List.of("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown",
                "fchownat", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
                "utime", "utimes", "futimesat", "utimensat", "futimens");
        for (String name : names) {
            Files.writeString(dir.resolve(name), name);
        }
        long pid = perl(dir, """
                my $d = POSIX::open('.', O_RDONLY | O_DIRECTORY);
                sub fd_of { return sc('open', $_[0], O_RDONLY, 0); }
                sc('chmod', 'chmod', 0600);
                sc('fchmod', fd_of('fchmod'), 0600);
                sc('fchmodat', $d, 'fchmodat', 0600);
                sc('fchmodat2', $d, 'fchmodat2', 0600, 0);
                sc('chown', 'chown', 1, 1);
                sc('fchown', fd_of('fchown'), 1, 1);
                sc('lchown', 'lchown', 1, 1);
                sc('fchownat', $d, 'fchownat', 1, 1, AT_SYMLINK_NOFOLLOW);
                sc('setxattr', 'setxattr', 'user.vajra', 'v', 1, 0);
                sc('lsetxattr', 'lsetxattr', 'user.vajra', 'v', 1, 0);
                sc('fsetxattr', fd_of('fsetxattr'), 'user.vajra', 'v', 1, 0);
                for my $f ('removexattr', 'lremovexattr', 'fremovexattr') { sc('setxattr', $f, 'user.vajra', 'v', 1, 0); }
                sc('removexattr', 'removexattr', 'user.vajra');
                sc('lremovexattr', 'lremovexattr', 'user.vajra');
                sc('fremovexattr', fd_of('fremovexattr'), 'user.vajra');
                sc('utime', 'utime', 0);
                sc('utimes', 'utimes', 0);
                sc('futimesat', $d, 'futimesat', 0);
                sc('utimensat', $d, 'utimensat', 0, 0);
                sc('utimensat', fd_of('futimens'), 0, 0, 0);
                """);
        List<Map<String, Object>> rows = settledRows(pid).stream()
                .filter(r -> "ATTRIBUTES_MODIFIED".equals(r.get("action"))).toList();
        List<String> expected = new ArrayList<>();
        for (String name : names) {
            expected.add("ATTRIBUTES_MODIFIED " + name + " " + (name.equals("futimens") ? "utimensat" : name));
        }
        // the setxattr calls that prepare the remove* cases
        expected.add(expected.indexOf("ATTRIBUTES_MODIFIED removexattr removexattr"),
                "ATTRIBUTES_MODIFIED removexattr setxattr");
        expected.add(expected.indexOf("ATTRIBUTES_MODIFIED removexattr removexattr"),
                "ATTRIBUTES_MODIFIED lremovexattr setxattr");
        expected.add(expected.indexOf("ATTRIBUTES_MODIFIED removexattr removexattr"),
                "ATTRIBUTES_MODIFIED fremovexattr setxattr");
        assertEquals(expected, summary(rows, dir), KernelPipeline.abbreviated(rows));
        Map<String, Object> chmod = only(rows, "ATTRIBUTES_MODIFIED", dir + "/fchmod");
        assertEquals("0600", chmod.get("mode"));
        assertEquals(1L, only(rows, "ATTRIBUTES_MODIFIED", dir + "/fchown").get("uid"));
    }

    @Test
    void pathsAreResolvedThroughRelativeNamesDirfdSymlinksDotDotAndBindMounts() throws IOException {
        Path dir = testDir("paths");
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path link = unwatched.resolve("link-" + UUID.randomUUID());
        Files.createSymbolicLink(link, dir);
        Path bindDir = bind.resolve(dir.getFileName());
        long pid = perl(unwatched, """
                my ($dir, $link, $bind) = @ARGV;
                sc('close', sc('open', "$link/via-symlink", O_WRONLY | O_CREAT, 0644));
                chdir("$dir/sub") or die;
                sc('close', sc('open', 'relative', O_WRONLY | O_CREAT, 0644));
                sc('close', sc('open', '../dotdot', O_WRONLY | O_CREAT, 0644));
                sc('mkdir', '../../' . (split m{/}, $dir)[-1] . '/made-via-dotdot', 0755);
                chdir('/') or die;
                my $d = POSIX::open("$dir/sub", O_RDONLY | O_DIRECTORY);
                sc('close', sc('openat', $d, 'via-dirfd', O_WRONLY | O_CREAT, 0644));
                sc('unlinkat', $d, 'via-dirfd', 0);
                sc('close', sc('open', "$bind/via-bind", O_WRONLY | O_CREAT, 0644));
                sc('unlink', "$bind/via-bind");
                sc('unlink', "$dir/via-symlink");
                """, dir.toString(), link.toString(), bindDir.toString());
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("CREATED via-symlink open", "CREATED sub/relative open", "CREATED dotdot open",
                "CREATED made-via-dotdot mkdir", "CREATED sub/via-dirfd openat", "DELETED sub/via-dirfd unlinkat",
                "CREATED via-bind open", "DELETED via-bind unlink", "DELETED via-symlink unlink"),
                summary(rows, dir), KernelPipeline.abbreviated(rows));
        // An open through a symlink is judged on the file it reached.
        assertEquals(dir + "/via-symlink", only(rows, "CREATED", dir + "/via-symlink").get("namespace_path"));
        assertEquals(bindDir + "/via-bind", only(rows, "CREATED", dir + "/via-bind").get("namespace_path"));
        assertEquals(bindDir + "/via-bind", only(rows, "DELETED", dir + "/via-bind").get("namespace_path"));
        assertEquals(sub + "/relative", only(rows, "CREATED", sub + "/relative").get("namespace_path"));
    }

    @Test
    void aFileDeletedWhileOpenIsStillReportedAtClose() throws IOException {
        Path dir = testDir("deleted-open");
        Files.writeString(dir.resolve("doomed"), "x");
        long pid = perl(dir, """
                my $fd = sc('open', 'doomed', O_WRONLY | O_APPEND, 0);
                sc('unlink', 'doomed');
                wr($fd, 'late');
                sc('close', $fd);
                """);
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("DELETED doomed unlink", "UPDATED doomed close"), summary(rows, dir),
                KernelPipeline.abbreviated(rows));
        assertEquals("deleted", only(rows, "UPDATED", dir + "/doomed").get("path_flags"));
    }

    @Test
    void aPrivateMountNamespaceIsSeenUnderTheHostPath() throws IOException {
        Path dir = testDir("mntns");
        long pid = runForPid(dir, List.of("unshare", "--mount", "--propagation", "private", PERL, "-e", PRELUDE + """
                sc('close', sc('open', 'inside', O_WRONLY | O_CREAT, 0644));
                sc('rename', 'inside', 'inside2');
                sc('unlink', 'inside2');
                """));
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("CREATED inside open", "MOVED_FROM inside rename", "MOVED_TO inside2 rename",
                "DELETED inside2 unlink"), summary(rows, dir), KernelPipeline.abbreviated(rows));
    }

    @Test
    void aContainerWritingToAWatchedVolumeIsAttributedAndSeenUnderTheHostPath() throws Exception {
        Path dir = testDir("container");
        Path work = Files.createTempDirectory(Path.of("/tmp"), "vajra-fim-ctr-");
        String id = Containers.newId();
        String name = "vjf" + id.substring(0, 12);
        try (Containers containers = new Containers(work)) {
            containers.runcStartWithVolume(name, "/docker/" + id, dir, "/data", "/bin/sleep", "30");
            try {
                // Absolute names used inside the container need steps from its root.
                pipeline.fim.rescanNow();
                containers.runcExec(name, "/bin/sh", "-c",
                        "echo hi > /data/f && mv /data/f /data/g && chmod 600 /data/g && cd /data && rm g");
                List<Map<String, Object>> rows = settledRowsWhere(r -> id.equals(r.get("container_id")));
                // busybox sh redirects with dup2, which closes the file
                assertEquals(List.of("CREATED f open", "UPDATED f dup2", "MOVED_FROM f rename", "MOVED_TO g rename",
                        "ATTRIBUTES_MODIFIED g chmod", "DELETED g unlink"),
                        summary(rows, dir).stream().map(line -> line.replaceAll(" (openat|fchmodat|unlinkat|renameat2?)$", " $1")
                                .replace(" openat", " open").replace(" fchmodat", " chmod").replace(" unlinkat", " unlink")
                                .replaceAll(" renameat2?$", " rename")).toList(),
                        KernelPipeline.abbreviated(rows));
                assertEquals("/data/f", only(rows, "CREATED", dir + "/f").get("namespace_path"));
                assertEquals("/data/g", only(rows, "MOVED_TO", dir + "/g").get("namespace_path"));
                assertEquals("docker", rows.get(0).get("container_runtime"));
            } finally {
                containers.runcDelete(name);
            }
        } finally {
            Containers.exec(List.of("rm", "-rf", work.toString()));
        }
    }

    @Test
    void excludedAndUnwatchedPathsGiveNothing() throws IOException {
        Path dir = testDir("quiet");
        Path excluded = Files.createDirectories(watched.resolve("excluded").resolve(dir.getFileName()));
        Path outside = Files.createDirectories(unwatched.resolve("quiet-" + UUID.randomUUID()));
        long sentBefore = pipeline.collector.counters().get("sent_file");
        long pid = perl(dir, """
                my ($excluded, $outside) = @ARGV;
                for my $d ($excluded, $outside) {
                    my $fd = sc('open', "$d/f", O_WRONLY | O_CREAT, 0644); wr($fd, 'x'); sc('close', $fd);
                    sc('chmod', "$d/f", 0600); sc('rename', "$d/f", "$d/g"); sc('unlink', "$d/g");
                    sc('mkdir', "$d/m", 0755); sc('rmdir', "$d/m");
                }
                sc('close', sc('open', 'marker', O_WRONLY | O_CREAT, 0644));
                """, excluded.toString(), outside.toString());
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("CREATED marker open"), summary(rows, dir), KernelPipeline.abbreviated(rows));
        // The unwatched tree never left the kernel: only the excluded one (filtered in Java),
        // the marker and the barrier did.
        long sent = pipeline.collector.counters().get("sent_file") - sentBefore;
        assertTrue(sent <= 7 + 1 + 3, "file records sent: " + sent);
    }

    @Test
    void oddBytesInNamesComeOutIntact() throws IOException {
        Path dir = testDir("odd");
        long pid = perl(dir, """
                for my $name ("with space", "new\\nline", "bad\\xffbyte", "caf\\xc3\\xa9") {
                    sc('close', sc('open', $name, O_WRONLY | O_CREAT, 0644));
                }
                """);
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("CREATED with space open", "CREATED new\nline open", "CREATED bad\\xffbyte open",
                "CREATED café open"), summary(rows, dir), KernelPipeline.abbreviated(rows));
    }

    @Test
    void fileAccessesReportOpensAndReads() throws IOException {
        Path dir = Files.createDirectories(base.resolve("acc").resolve("t-" + UUID.randomUUID()));
        Files.writeString(dir.resolve("read-me"), "secret");
        Files.writeString(dir.resolve("open-only"), "secret");
        long pid = perl(dir, """
                my $fd = sc('open', 'read-me', O_RDONLY, 0);
                my $buf = "\\0" x 16; sc('read', $fd, $buf, 16); sc('close', $fd);
                sc('close', sc('open', 'open-only', O_RDONLY, 0));
                """);
        List<Map<String, Object>> rows = settledRows(pid);
        assertEquals(List.of("OPENED read-me open", "ACCESSED read-me close", "OPENED open-only open"),
                summary(rows, dir), KernelPipeline.abbreviated(rows));
        assertEquals("acc", rows.get(0).get("category"));
    }

    @Test
    void aConfigurationChangeAppliesWithoutAGap() throws IOException {
        Path added = Files.createDirectories(base.resolve("added-" + UUID.randomUUID()));
        Path dir = testDir("change");
        try {
            long first = perl(dir, """
                    my ($added) = @ARGV;
                    sc('close', sc('open', 'before', O_WRONLY | O_CREAT, 0644));
                    sc('close', sc('open', "$added/before", O_WRONLY | O_CREAT, 0644));
                    """, added.toString());
            assertEquals(List.of("CREATED before open"), summary(settledRows(first), dir));
            pipeline.watch(config.replace("\"acc\": [", "\"added\": [\"" + added + "/%%\"], \"acc\": ["));
            long second = perl(dir, """
                    my ($added) = @ARGV;
                    sc('close', sc('open', 'after', O_WRONLY | O_CREAT, 0644));
                    sc('close', sc('open', "$added/after", O_WRONLY | O_CREAT, 0644));
                    """, added.toString());
            List<Map<String, Object>> rows = settledRows(second);
            assertEquals(List.of("CREATED after open", "CREATED " + added + "/after open"), summary(rows, dir),
                    KernelPipeline.abbreviated(rows));
            assertEquals("added", rows.get(1).get("category"));
        } finally {
            pipeline.watch(config);
        }
        long third = perl(dir, """
                my ($added) = @ARGV;
                sc('close', sc('open', "$added/removed-again", O_WRONLY | O_CREAT, 0644));
                sc('close', sc('open', 'still', O_WRONLY | O_CREAT, 0644));
                """, added.toString());
        assertEquals(List.of("CREATED still open"), summary(settledRows(third), dir));
    }

    @Test
    void aRootCreatedLaterIsWatchedOnceItExists() throws IOException {
        Path later = base.resolve("later-" + UUID.randomUUID());
        try {
            pipeline.watch(config.replace("\"acc\": [", "\"later\": [\"" + later + "/%%\"], \"acc\": ["));
            long pid = perl(base, """
                    my ($later) = @ARGV;
                    sc('mkdir', $later, 0755);
                    """, later.toString());
            assertTrue(settledRows(pid).isEmpty());
            // The kernel now watches the new directory: wait until the service has recomputed.
            long deadline = System.nanoTime() + KernelPipeline.DEADLINE.toNanos();
            while (!pipeline.fim.watchSet().pending().isEmpty() && System.nanoTime() < deadline) {
                KernelPipeline.sleep(20);
            }
            long writer = perl(later, """
                    sc('close', sc('open', 'inside', O_WRONLY | O_CREAT, 0644));
                    """);
            List<Map<String, Object>> rows = settledRows(writer);
            assertEquals(List.of("CREATED inside open"), summary(rows, later), KernelPipeline.abbreviated(rows));
        } finally {
            pipeline.watch(config);
        }
    }
}
