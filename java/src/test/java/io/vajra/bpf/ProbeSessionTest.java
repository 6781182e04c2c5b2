package io.vajra.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The session as the kernel sees it: load, snapshot, shutdown, errors. Runs as root. */
class ProbeSessionTest {

    @Test
    void closeReleasesEveryFileDescriptorAndProgram() throws Exception {
        long fdsBefore = openFds();
        for (int round = 0; round < 3; round++) {
            try (ProbeSession session = ProbeSession.open(ProbeSettings.defaults())) {
                session.poll(ProbeSession.allocateBatch(1 << 20), 0);
                assertTrue(openFds() > fdsBefore, "an open session holds maps and links");
            }
        }
        assertEquals(fdsBefore, openFds(), "fds leaked after close");
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
        // A child JVM as `nobody`: the real check, not a simulated one.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path copy = Files.createTempDirectory("vajra-nonroot");
        try {
            // nobody cannot read the build tree under a private home: give it its own copy.
            Path classes = copyTree(codeSource(ProbeSession.class), copy.resolve("classes"));
            Path testClasses = copyTree(codeSource(OpenAsCurrentUser.class), copy.resolve("test-classes"));
            Path lib = Path.of(System.getProperty("vajra.native.dir"), "libvajra.so");
            Files.copy(lib, copy.resolve("libvajra.so"));
            makeWorldReadable(copy);
            Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    java, "-Dvajra.native.dir=" + copy, "-cp", classes + File.pathSeparator + testClasses,
                    OpenAsCurrentUser.class.getName())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            assertTrue(out.contains("Vajra must run as root"), out);
            assertTrue(out.contains("sudo"), out);
        } finally {
            try (Stream<Path> files = Files.walk(copy)) {
                files.sorted((a, b) -> b.compareTo(a)).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void rejectsSettingsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new ProbeSettings(3000, 32768, true));
        assertThrows(IllegalArgumentException.class, () -> new ProbeSettings(1 << 20, 1 << 20, true));
    }

    private static long openFds() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
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
