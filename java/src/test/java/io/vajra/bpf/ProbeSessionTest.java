package io.vajra.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The session as the kernel sees it: load, snapshot, shutdown, errors. Runs as root. */
class ProbeSessionTest {

    @Test
    void closeReleasesEveryFileDescriptorAndProgram() throws Exception {
        Set<String> fdsBefore = openFds();
        for (int round = 0; round < 3; round++) {
            try (ProbeSession session = ProbeSession.open(ProbeSettings.defaults())) {
                session.poll(ProbeSession.allocateBatch(1 << 20), 0);
                assertTrue(leftSince(fdsBefore).stream().anyMatch(fd -> fd.contains("bpf")),
                        "an open session holds maps and links: " + leftSince(fdsBefore));
            }
        }
        assertEquals(Set.of(), leftSince(fdsBefore), "fds leaked after close");
        assertTrue(attachedVajraPrograms().isEmpty(), "programs still loaded: " + attachedVajraPrograms());
    }

    @Test
    void theFileAndLogProbesLoadedOnDemandAreReleasedToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Map<String, Object> a = Files.readAttributes(dir, "unix:dev,ino");
        long ino = (Long) a.get("ino");
        long dev = Integer.toUnsignedLong(io.vajra.fim.WatchSet.kernelDev((Long) a.get("dev")));
        Set<String> fdsBefore = openFds();
        try (ProbeSession session = ProbeSession.open(ProbeSettings.defaults())) {
            int base = attachedVajraPrograms().size();
            session.watchFiles(new long[] {ino, dev, FileRecordLayout.ROOT_RECURSIVE}, new long[0], false);
            int withFiles = attachedVajraPrograms().size();
            assertTrue(withFiles > base, "file programs loaded on demand");
            session.watchLogs(new long[] {ino, dev});
            assertTrue(attachedVajraPrograms().size() > withFiles, "log programs loaded on demand");
            // Nothing watched: detached (the programs stay loaded until close).
            session.watchFiles(new long[0], new long[0], false);
            session.watchLogs(new long[0]);
        }
        assertEquals(Set.of(), leftSince(fdsBefore), "fds leaked after close");
        assertTrue(attachedVajraPrograms().isEmpty(), "programs still loaded: " + attachedVajraPrograms());
    }

    @Test
    void snapshotListsProcessesThatPredateTheSession() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try (ProbeSession session = ProbeSession.open(ProbeSettings.defaults())) {
            ByteBuffer batch = ProbeSession.allocateBatch(4 << 20);
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                session.poll(batch, 0);
                BatchReader.read(batch, e -> {
                    if (e.op() == ProcessRecordLayout.OP_SNAPSHOT && e.pid() == sleeper.pid()) {
                        seen.add(new String(e.path(), StandardCharsets.UTF_8) + " " + e.ppid());
                    }
                });
            }
            assertEquals(List.of("/usr/bin/sleep " + ProcessHandle.current().pid()), seen);
            assertTrue(session.counters().get("snapshot_records") > 10);
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    @Test
    void refusesNonRootWithAnActionableMessage() throws Exception {
        String out = openInChildJvm("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
        assertTrue(out.contains("Vajra must run as root"), out);
        assertTrue(out.contains("sudo"), out);
    }

    @Test
    void aKernelWithoutBtfIsNamedAsSuch() throws Exception {
        // A private mount namespace where /sys/kernel/btf is empty: the real check, real files.
        String out = openInChildJvm("unshare", "--mount", "sh", "-c",
                "mount -t tmpfs none /sys/kernel/btf && exec \"$@\"", "sh");
        assertTrue(out.contains("this kernel exposes no BTF"), out);
        assertTrue(out.contains("CONFIG_DEBUG_INFO_BTF"), out);
    }

    @Test
    void missingLibbpfSaysWhatToInstall() throws Exception {
        String libbpf = findLibbpf();
        String out = openInChildJvm("unshare", "--mount", "sh", "-c",
                "mount --bind /dev/null " + libbpf + " && exec \"$@\"", "sh");
        assertTrue(out.contains("libbpf is missing: install it with `apt-get install libbpf1`"), out);
    }

    /**
     * Opens a session in a child JVM started through {@code prefix} (a user switch, a
     * private mount namespace) and returns what it printed. The child gets its own
     * world-readable copy of the classes and the library.
     */
    private static String openInChildJvm(String... prefix) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path copy = Files.createTempDirectory("vajra-child");
        try {
            Path classes = copyTree(codeSource(ProbeSession.class), copy.resolve("classes"));
            Path testClasses = copyTree(codeSource(OpenAsCurrentUser.class), copy.resolve("test-classes"));
            Files.copy(Path.of(System.getProperty("vajra.native.dir"), "libvajra.so"), copy.resolve("libvajra.so"));
            makeWorldReadable(copy);
            List<String> command = new ArrayList<>(List.of(prefix));
            command.addAll(List.of(java, "-Dvajra.native.dir=" + copy,
                    "-cp", classes + File.pathSeparator + testClasses, OpenAsCurrentUser.class.getName()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } finally {
            try (Stream<Path> files = Files.walk(copy)) {
                files.sorted((a, b) -> b.compareTo(a)).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static String findLibbpf() throws Exception {
        for (String dir : List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64")) {
            Path lib = Path.of(dir, "libbpf.so.1");
            if (Files.exists(lib)) {
                return lib.toRealPath().toString();
            }
        }
        throw new AssertionError("libbpf.so.1 not found where Debian puts it");
    }

    @Test
    void aFullRingIsCountedNotSilent() throws Exception {
        // One-page rings (one per CPU) that nobody drains: most of these execs cannot fit.
        try (ProbeSession session = ProbeSession.open(new ProbeSettings(4096, 1024, false))) {
            long before = session.counters().get("lost_ring_full");
            for (int i = 0; i < 50; i++) {
                new ProcessBuilder("/bin/true", "ring-full-" + i).start().waitFor();
            }
            ProbeCounters after = session.counters();
            long lost = after.get("lost_ring_full") - before;
            // Each exec makes three records (fork, exec, exit) of > 150 bytes.
            assertTrue(lost >= 100, "expected most of 150 records lost, counted " + lost);
            assertEquals(after.lost(), after.get("lost_ring_full"), after.asMap().toString());

            ByteBuffer batch = ProbeSession.allocateBatch(1 << 20);
            long[] processRecords = {0};
            for (int i = 0; i < 4; i++) {
                session.poll(batch, 0);
                BatchReader.read(batch, e -> {
                    if (e.op() != ProcessRecordLayout.OP_SNAPSHOT) {
                        processRecords[0]++;
                    }
                });
            }
            // Process records are >= 160 bytes: a one-page ring holds at most 25 of them.
            long ringBytes = after.get("ring_bytes");
            assertEquals(4096L * possibleCpus(), ringBytes, "a page per CPU");
            assertTrue(processRecords[0] <= ringBytes / 160, ringBytes + " bytes of rings held " + processRecords[0]);
        }
    }

    /** One process's storm fills one CPU's ring: a CPU's share never falls below 1 MiB. */
    @Test
    void everyCpuHasARingOfItsOwnOfAtLeastOneMebibyte() throws Exception {
        try (ProbeSession session = ProbeSession.open(new ProbeSettings(1 << 20, 1024, false))) {
            assertEquals((1L << 20) * possibleCpus(), session.counters().get("ring_bytes"));
        }
        try (ProbeSession session = ProbeSession.open(new ProbeSettings(1 << 24, 1024, false))) {
            long perCpu = Long.highestOneBit(Math.max((1L << 24) / possibleCpus(), 1L << 20));
            assertEquals(perCpu * possibleCpus(), session.counters().get("ring_bytes"));
        }
    }

    @Test
    void rejectsSettingsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new ProbeSettings(3000, 32768, true));
        assertThrows(IllegalArgumentException.class, () -> new ProbeSettings(1 << 20, 1 << 20, true));
    }

    /** The CPUs the kernel may bring up ("0-1" in /sys/devices/system/cpu/possible): one ring each. */
    private static int possibleCpus() throws IOException {
        String range = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
        return Integer.parseInt(range.substring(range.lastIndexOf('-') + 1)) + 1;
    }

    /** This process's open fds, as "number -> target": compared as sets, so that an fd the
     *  rest of the JVM closes meanwhile (a Cleaner, another test's leftovers) is not taken
     *  for one of ours, as a plain count did (40 before, 39 after, in a CI run). */
    private static Set<String> openFds() throws Exception {
        Set<String> open = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    open.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                } catch (IOException closedMeanwhile) {
                    // the listing's own fd, or one closed while we read
                }
            }
        }
        return open;
    }

    /** The kernel-object fds (maps, programs, links, the ring's epoll: anon inodes) open now
     *  that were not open at {@code before}: what a close left behind. Files the JVM opens
     *  meanwhile (a jar, a class) are not the session's. */
    private static Set<String> leftSince(Set<String> before) throws Exception {
        Set<String> left = openFds();
        left.removeAll(before);
        left.removeIf(fd -> !fd.contains("anon_inode:"));
        return left;
    }

    /** bpftool is not needed: the kernel lists loaded programs' names in fdinfo of our fds
     *  only, so ask /proc for any fd still pointing at a bpf-prog. */
    private static List<String> attachedVajraPrograms() throws Exception {
        List<String> left = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("anon_inode:bpf")) {
                        left.add(target);
                    }
                } catch (Exception gone) {
                    // the listing's own fd
                }
            }
        }
        return left;
    }

    private static Path codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Path copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }

    private static void makeWorldReadable(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                f.toFile().setReadable(true, false);
                f.toFile().setExecutable(true, false);
            }
        }
    }
}
