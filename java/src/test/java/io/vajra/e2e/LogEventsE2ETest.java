package io.vajra.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bpf_log_events end to end: real writer processes append to real files; the rows must hold
 * every line exactly once, each attributed to the process that wrote it (as the kernel saw
 * the write). Each test uses its own directory and markers; rows are awaited with deadlines.
 */
class LogEventsE2ETest {
    private static final String PERL = "/usr/bin/perl";

    /** Appends lines given as arguments (O_APPEND, one write() per line), then prints its pid. */
    private static final String APPEND = """
            use strict; use warnings; $| = 1;
            my $file = shift @ARGV;
            open(my $fh, '>>', $file) or die "$file: $!";
            $fh->autoflush(1);
            print $fh "$_\\n" for @ARGV;
            close $fh;
            print "pid=$$\\n";
            """;

    /** Writes each line with pwrite(2) at the file's end through a descriptor whose own
     *  position stays 0 (not O_APPEND), then prints its pid. */
    private static final String PWRITE = """
            use strict; use warnings; $| = 1;
            my $file = shift @ARGV;
            open(my $fh, '+<', $file) or die "$file: $!";
            for my $line (@ARGV) {
                my $buf = "$line\\n";
                my $n = syscall(18, fileno($fh), $buf, length($buf), -s $file);
                die "pwrite64: $!" if $n != length($buf);
            }
            close $fh;
            print "pid=$$\\n";
            """;

    /** Appends a line and waits, writing nothing else, for the file named second to appear;
     *  then appends the other arguments as {@link #APPEND} does and prints its pid. */
    private static final String APPEND_ON_CUE = """
            use strict; use warnings; $| = 1;
            my $file = shift @ARGV;
            my $cue = shift @ARGV;
            open(my $fh, '>>', $file) or die "$file: $!";
            $fh->autoflush(1);
            print $fh "before the cue\n";
            select(undef, undef, undef, 0.01) until -e $cue;
            print $fh "$_\n" for @ARGV;
            close $fh;
            print "pid=$$\n";
            """;

    private static KernelPipeline pipeline;
    private static Path base;
    private static String sources;

    @BeforeAll
    static void start() throws IOException {
        base = Files.createTempDirectory(Path.of("/tmp"), "vajra-logs-");
        for (String dir : List.of("two", "rotate", "copytrunc", "later", "long", "odd", "partial", "ctr", "pw",
                "added")) {
            Files.createDirectories(base.resolve(dir));
        }
        Files.writeString(base.resolve("two/app.log"), "before vajra\n");
        Files.writeString(base.resolve("rotate/app.log"), "");
        Files.writeString(base.resolve("copytrunc/app.log"), "");
        Files.writeString(base.resolve("pw/app.log"), "");
        Files.writeString(base.resolve("added/app.log"), "");
        sources = """
                [{"path": "%1$s/two/app.log", "category": "two"},
                 {"path": "%1$s/rotate/app.log", "category": "rotate"},
                 {"path": "%1$s/copytrunc/app.log", "category": "copytrunc"},
                 {"path": "%1$s/later/*.log", "category": "later"},
                 {"path": "%1$s/long/*.log", "category": "long"},
                 {"path": "%1$s/odd/*.log", "category": "odd", "exclude": "^skip"},
                 {"path": "%1$s/partial/*.log", "category": "partial"},
                 {"path": "%1$s/ctr/*.log", "category": "ctr"},
                 {"path": "%1$s/pw/app.log", "category": "pw"}]""".formatted(base);
        pipeline = new KernelPipeline(ProbeSettings.defaults());
        pipeline.watchLogs(sources);
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static long append(Path file, String... lines) {
        List<String> command = new ArrayList<>(List.of(PERL, "-e", APPEND, file.toString()));
        command.addAll(List.of(lines));
        return run(command);
    }

    private static long run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(KernelPipeline.DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("did not finish: " + command);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("exit " + p.exitValue() + ": " + out);
            }
            for (String line : out.split("\n")) {
                if (line.startsWith("pid=")) {
                    return Long.parseLong(line.substring(4));
                }
            }
            throw new AssertionError("no pid: " + out);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> markers(String prefix, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(prefix + "-" + i);
        }
        return out;
    }

    /** Every row of {@code category} whose line starts with {@code prefix}, once {@code count} are there. */
    private static List<Map<String, Object>> rows(String category, String prefix, int count) {
        return pipeline.awaitLog(count, r -> category.equals(r.get("category"))
                && ((String) r.get("line")).startsWith(prefix));
    }

    @Test
    void twoWritersToOneFileGetTheirOwnLines() {
        Path file = base.resolve("two/app.log");
        String a = "a-" + UUID.randomUUID();
        String b = "b-" + UUID.randomUUID();
        long pidA = append(file, markers(a, 1, 3).toArray(String[]::new));
        long pidB = append(file, markers(b, 1, 3).toArray(String[]::new));
        long pidA2 = append(file, markers(a, 4, 5).toArray(String[]::new));
        List<Map<String, Object>> aRows = rows("two", a, 5);
        List<Map<String, Object>> bRows = rows("two", b, 3);
        assertEquals(markers(a, 1, 5), aRows.stream().map(r -> r.get("line")).toList());
        assertEquals(List.of(pidA, pidA, pidA, pidA2, pidA2), aRows.stream().map(r -> r.get("pid")).toList());
        assertTrue(bRows.stream().allMatch(r -> Long.valueOf(pidB).equals(r.get("pid"))), bRows.toString());
        assertEquals(PERL, aRows.get(0).get("process_path"));
        assertEquals("write", aRows.get(0).get("syscall"));
        assertEquals(1L, aRows.get(0).get("attributed"));
        // The file had one line before Vajra: numbering goes on from it.
        List<Long> numbers = new ArrayList<>();
        pipeline.logRows().stream().filter(r -> "two".equals(r.get("category")))
                .forEach(r -> numbers.add((Long) r.get("line_number")));
        assertEquals(2L, numbers.get(0), "line 1 was there before");
        assertTrue(pipeline.logRows().stream().noneMatch(r -> "before vajra".equals(r.get("line"))),
                "tailing starts at the end by default");
    }

    @Test
    void renameRotationMidStreamLosesAndRepeatsNothing() throws IOException {
        Path file = base.resolve("rotate/app.log");
        String m = "r-" + UUID.randomUUID();
        long first = append(file, markers(m, 1, 20).toArray(String[]::new));
        Files.move(file, base.resolve("rotate/app.log.1"));
        // The writer goes on: the rotated file gets a late line through its old name's
        // descriptor, the new file the rest.
        long late = append(base.resolve("rotate/app.log.1"), m + "-21");
        long second = append(file, markers(m, 22, 40).toArray(String[]::new));
        List<Map<String, Object>> found = rows("rotate", m, 40);
        List<String> lines = found.stream().map(r -> (String) r.get("line")).sorted(
                java.util.Comparator.comparingInt(l -> Integer.parseInt(l.substring(l.lastIndexOf('-') + 1)))).toList();
        assertEquals(markers(m, 1, 40), lines, "every line once");
        assertEquals(40, found.size());
        assertEquals(Long.valueOf(late), found.stream().filter(r -> (m + "-21").equals(r.get("line")))
                .findFirst().orElseThrow().get("pid"));
        assertTrue(found.stream().filter(r -> ((String) r.get("line")).endsWith("-1")).allMatch(
                r -> Long.valueOf(first).equals(r.get("pid"))));
        assertTrue(found.stream().filter(r -> (m + "-40").equals(r.get("line"))).allMatch(
                r -> Long.valueOf(second).equals(r.get("pid"))));
    }

    @Test
    void copytruncateMidStreamLosesAndRepeatsNothing() throws IOException {
        Path file = base.resolve("copytrunc/app.log");
        String m = "c-" + UUID.randomUUID();
        append(file, markers(m, 1, 30).toArray(String[]::new));
        rows("copytrunc", m, 30); // logrotate copies what is there...
        Files.copy(file, base.resolve("copytrunc/app.log.1"));
        try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0); // ...and empties the file under the writer
        }
        long after = append(file, markers(m, 31, 60).toArray(String[]::new));
        List<Map<String, Object>> found = rows("copytrunc", m, 60);
        assertEquals(markers(m, 1, 60), found.stream().map(r -> r.get("line")).toList());
        Map<String, Object> first = found.get(30);
        assertEquals(0L, first.get("offset"), "after the truncation, from the start");
        assertEquals(1L, first.get("line_number"));
        assertEquals(Long.valueOf(after), first.get("pid"));
    }

    @Test
    void pwriteIsAttributedByItsOffsetArgument() {
        Path file = base.resolve("pw/app.log");
        String m = "p-" + UUID.randomUUID();
        List<String> command = new ArrayList<>(List.of(PERL, "-e", PWRITE, file.toString()));
        command.addAll(markers(m, 1, 3));
        long pid = run(command);
        List<Map<String, Object>> found = rows("pw", m, 3);
        assertEquals(markers(m, 1, 3), found.stream().map(r -> r.get("line")).toList());
        // the descriptor's position is 0 throughout: only the offset argument places them
        assertTrue(found.stream().allMatch(r -> Long.valueOf(pid).equals(r.get("pid"))), found.toString());
        assertEquals("pwrite64", found.get(0).get("syscall"));
    }

    @Test
    void aFileCreatedLaterUnderTheGlobIsReadFromItsStart() {
        Path file = base.resolve("later/new-" + UUID.randomUUID() + ".log");
        String m = "l-" + UUID.randomUUID();
        long pid = append(file, markers(m, 1, 3).toArray(String[]::new));
        List<Map<String, Object>> found = rows("later", m, 3);
        assertEquals(markers(m, 1, 3), found.stream().map(r -> r.get("line")).toList());
        assertEquals(1L, found.get(0).get("line_number"));
        assertEquals(0L, found.get(0).get("offset"));
        assertEquals(file.toString(), found.get(0).get("path"));
        // The first line may be written before the file is followed: when its write record
        // came in time it is attributed, else it says so; the rest are attributed.
        assertTrue(found.stream().skip(1).allMatch(r -> Long.valueOf(pid).equals(r.get("pid"))), found.toString());
    }

    @Test
    void aOneMebibyteLineIsCutAndFlaggedAndTheNextLineIsWhole() {
        Path file = base.resolve("long/big.log");
        String m = "g-" + UUID.randomUUID();
        String big = m + "-big-" + "x".repeat(1 << 20);
        // one write of 1 MiB and more (too long for an argument: perl makes it)
        run(List.of(PERL, "-e", """
                $| = 1; open(my $fh, '>>', $ARGV[0]) or die; $fh->autoflush(1);
                print $fh "$ARGV[1]-big-" . ("x" x (1 << 20)) . "\\n" . "$ARGV[1]-after\\n";
                close $fh; print "pid=$$\\n";
                """, file.toString(), m));
        Map<String, Object> cut = rows("long", m + "-big", 1).get(0);
        assertEquals(1L, cut.get("truncated"));
        assertEquals(64 * 1024, ((String) cut.get("line")).length());
        Map<String, Object> after = rows("long", m + "-after", 1).get(0);
        assertEquals(0L, after.get("truncated"));
        assertEquals((long) big.length() + 1, after.get("offset"));
    }

    @Test
    void invalidUtf8StaysIntactAndExcludedLinesAreLeftOut() throws Exception {
        Path file = base.resolve("odd/odd.log");
        String m = "o-" + UUID.randomUUID();
        long pid = run(List.of(PERL, "-e", """
                $| = 1; open(my $fh, '>>', $ARGV[0]) or die; $fh->autoflush(1);
                print $fh "$ARGV[1] bad \\xff\\xfe byte\\n"; print $fh "skip $ARGV[1]\\n"; print $fh "$ARGV[1] end\\n";
                close $fh; print "pid=$$\\n";
                """, file.toString(), m));
        List<Map<String, Object>> found = rows("odd", m, 2);
        assertEquals(List.of(m + " bad \\xff\\xfe byte", m + " end"), found.stream().map(r -> r.get("line")).toList());
        assertEquals(Long.valueOf(pid), found.get(0).get("pid"));
    }

    @Test
    void aLastLineWithoutNewlineComesOutAfterAQuietPeriod() throws IOException {
        Path file = base.resolve("partial/p.log");
        String m = "p-" + UUID.randomUUID();
        Files.writeString(file, m + "-whole\n" + m + "-unterminated", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        Map<String, Object> tail = rows("partial", m + "-unterminated", 1).get(0);
        assertEquals(1L, tail.get("incomplete"));
        assertEquals(0L, rows("partial", m + "-whole", 1).get(0).get("incomplete"));
    }

    @Test
    void aWriterInsideAContainerIsAttributedToIt() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "vajra-logs-ctr-");
        String id = Containers.newId();
        String name = "vjl" + id.substring(0, 12);
        String m = "k-" + UUID.randomUUID();
        try (Containers containers = new Containers(work)) {
            containers.runcStartWithVolume(name, "/docker/" + id, base.resolve("ctr"), "/logs", "/bin/sleep", "30");
            try {
                containers.runcExec(name, "/bin/sh", "-c", "echo " + m + " >> /logs/app.log");
                Map<String, Object> row = rows("ctr", m, 1).get(0);
                assertEquals(id, row.get("container_id"));
                assertEquals("/bin/busybox", row.get("process_path"));
                assertEquals(base.resolve("ctr/app.log").toString(), row.get("path"));
            } finally {
                containers.runcDelete(name);
            }
        } finally {
            Containers.exec(List.of("rm", "-rf", work.toString()));
        }
    }

    @Test
    void aDirectoryConfiguredLaterIsAttributedFromTheNextWrite() throws Exception {
        // The kernel remembers each CPU's last answer about a write's directory: writes to
        // this one were answered "no log here" before it was configured, on the CPU the
        // writer stays pinned to, and must be attributed right after.
        Path file = base.resolve("added/app.log");
        Path cue = base.resolve("added-cue-" + UUID.randomUUID());
        String m = "a-" + UUID.randomUUID();
        List<String> command = new ArrayList<>(List.of("taskset", "-c", "0", PERL, "-e", APPEND_ON_CUE,
                file.toString(), cue.toString()));
        command.addAll(markers(m, 1, 3));
        Process writer = new ProcessBuilder(command).redirectErrorStream(true).start();
        String withAdded = sources.substring(0, sources.length() - 1)
                + ", {\"path\": \"" + file + "\", \"category\": \"added\"}]";
        try {
            long deadline = System.nanoTime() + KernelPipeline.DEADLINE.toNanos();
            while (Files.size(file) == 0 && writer.isAlive() && System.nanoTime() < deadline) {
                KernelPipeline.sleep(10);
            }
            assertTrue(Files.size(file) > 0, "the writer wrote before the cue");
            pipeline.watchLogs(withAdded);
            Files.createFile(cue); /* no write(): the writer's CPU keeps its last answer */
            assertTrue(writer.waitFor(KernelPipeline.DEADLINE.toSeconds(), TimeUnit.SECONDS), "writer finished");
            String printed = new String(writer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(printed.startsWith("pid="), "writer printed " + printed);
            long pid = Long.parseLong(printed.substring(4));
            List<Map<String, Object>> found = rows("added", m, 3);
            assertEquals(markers(m, 1, 3), found.stream().map(r -> r.get("line")).toList());
            assertTrue(found.stream().allMatch(r -> Long.valueOf(pid).equals(r.get("pid"))), found.toString());
        } finally {
            writer.destroyForcibly();
            pipeline.watchLogs(sources);
        }
    }

    @Test
    void anUnreadableFileIsCountedNotFatal() {
        // Root reads every ordinary file; a write-only sysfs attribute refuses even root.
        Path refused = Path.of("/sys/bus/pci/rescan");
        assertTrue(Files.exists(refused), "this kernel has " + refused);
        String withRefused = sources.substring(0, sources.length() - 1)
                + ", {\"path\": \"" + refused + "\", \"category\": \"refused\"}]";
        try {
            pipeline.watchLogs(withRefused);
            long deadline = System.nanoTime() + KernelPipeline.DEADLINE.toNanos();
            while (pipeline.logService.counters().get("log_files_unreadable") < 1 && System.nanoTime() < deadline) {
                KernelPipeline.sleep(50);
            }
            assertEquals(1L, pipeline.logService.counters().get("log_files_unreadable"));
            // ...and the others are still followed.
            String m = "u-" + UUID.randomUUID();
            append(base.resolve("odd/odd.log"), m);
            rows("odd", m, 1);
        } finally {
            pipeline.watchLogs(sources);
        }
    }
}
