package io.vajra.fim;

import static io.vajra.bpf.FileRecordLayout.SIDE_LEVELS;
import static io.vajra.bpf.FileRecordLayout.SIDE_ROOT_BY_NAME;
import static io.vajra.bpf.FileRecordLayout.SIDE_WATCHED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vajra.config.ConfigException;
import io.vajra.event.FileEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The two paths of a row: namespace_path (the process's view) and target_path (the host's:
 * the configured root's path, then what lies below the root), from the sides the kernel sends.
 */
class FileRowsPathTest {
    private static final int DEV = (8 << 20) | 1;
    private static final Map<String, WatchSet.Key> DIRS = Map.of(
            "/", new WatchSet.Key(DEV, 2),
            "/srv", new WatchSet.Key(DEV, 10),
            "/srv/data", new WatchSet.Key(DEV, 11),
            "/etc", new WatchSet.Key(DEV, 20));

    private WatchSet watch;

    @BeforeEach
    void watchSrvDataAndEtc() throws ConfigException {
        FimMatcher matcher = new FimMatcher(FimConfig.parse(
                "{\"file_paths\":{\"data\":[\"/srv/data/%%\"],\"etc\":[\"/etc/%\"]}}"));
        watch = WatchSet.compute(matcher, path -> DIRS.get(path.toString()), List.of());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A file known by its descriptor: the kernel's path of it, {@code depth} levels below the root. */
    private static FileEvent.Side fd(String root, int depth, String path) {
        WatchSet.Key key = DIRS.get(root);
        return new FileEvent.Side(key.ino(), key.dev(), depth, 0, bytes(path), new byte[0], SIDE_WATCHED);
    }

    /** A name, from a base directory {@code depth} levels below the root (matched by the base). */
    private static FileEvent.Side name(String root, int depth, String base, String name) {
        WatchSet.Key key = DIRS.get(root);
        return new FileEvent.Side(key.ino(), key.dev(), depth, 0, bytes(base), bytes(name), SIDE_WATCHED);
    }

    /** A name whose walk reached the root after {@code skip} of its components. */
    private static FileEvent.Side byName(String root, int skip, String base, String name) {
        WatchSet.Key key = DIRS.get(root);
        return new FileEvent.Side(key.ino(), key.dev(), 0, skip, bytes(base), bytes(name),
                SIDE_WATCHED | SIDE_ROOT_BY_NAME);
    }

    private static String namespacePath(FileEvent.Side side) {
        return new String(FileRows.namespacePath(side), StandardCharsets.UTF_8);
    }

    private String hostPath(FileEvent.Side side) {
        return new String(FileRows.hostPath(watch, side, FileRows.namespacePath(side)), StandardCharsets.UTF_8);
    }

    /** As the kernel sends it now: the names it climbed from the target (or base) to the root. */
    private static FileEvent.Side withLevels(String root, String path, String name, String levels) {
        WatchSet.Key key = DIRS.get(root);
        int depth = PathBytes.levels(levels).size();
        return new FileEvent.Side(key.ino(), key.dev(), depth, 0, bytes(path), bytes(name),
                SIDE_WATCHED | SIDE_LEVELS, bytes(levels));
    }

    @Test
    void theLevelsTheKernelClimbedFollowTheRootsPath() {
        // A container with the host's /srv/data/app mounted at /mnt: the kernel climbed
        // x, app (the watched tree's own names) up to /srv/data.
        FileEvent.Side side = withLevels("/srv/data", "/mnt/x", "", "/app/x");
        assertEquals("/mnt/x", namespacePath(side));
        assertEquals("/srv/data/app/x", hostPath(side), "not /srv/data/mnt/x, as the depth alone would say");
    }

    @Test
    void aNamesBaseDirectoryCarriesItsLevelsToo() {
        // rm sub/x, with the cwd /mnt showing the host's /srv/data/app.
        FileEvent.Side side = withLevels("/srv/data", "/mnt", "sub/x", "/app");
        assertEquals("/mnt/sub/x", namespacePath(side));
        assertEquals("/srv/data/app/sub/x", hostPath(side));

        // ".." above the name's directory may cross a mount: the process's view is kept.
        FileEvent.Side atTheRoot = withLevels("/srv/data", "/data", "../data/./y", "");
        assertEquals("/data/y", namespacePath(atTheRoot));
        assertEquals("/data/y", hostPath(atTheRoot));

        FileEvent.Side within = withLevels("/srv/data", "/mnt", "sub/../y", "/app");
        assertEquals("/srv/data/app/y", hostPath(within), "a .. that stays below the directory folds");
    }

    // Sides without levels (depth only), as hostPath still reads them.

    @Test
    void anOpenFileOnTheHost() {
        FileEvent.Side side = fd("/srv/data", 2, "/srv/data/app/x.conf");
        assertEquals("/srv/data/app/x.conf", namespacePath(side));
        assertEquals("/srv/data/app/x.conf", hostPath(side));
    }

    @Test
    void anOpenFileThroughABindMountIsReportedUnderTheConfiguredPath() {
        // /mnt/bind is a bind mount of /srv/data: the kernel found the root two levels up.
        FileEvent.Side side = fd("/srv/data", 2, "/mnt/bind/app/x.conf");
        assertEquals("/mnt/bind/app/x.conf", namespacePath(side));
        assertEquals("/srv/data/app/x.conf", hostPath(side));
    }

    @Test
    void anOpenFileInAContainerIsReportedUnderTheConfiguredPath() {
        // The container has the host's /srv/data mounted at /data; the kernel's path is its view.
        FileEvent.Side side = fd("/srv/data", 1, "/data/x");
        assertEquals("/data/x", namespacePath(side));
        assertEquals("/srv/data/x", hostPath(side));
    }

    @Test
    void aDirectChildOfANonRecursiveRoot() {
        FileEvent.Side side = fd("/etc", 1, "/etc/hosts");
        assertEquals("/etc/hosts", hostPath(side));
    }

    @Test
    void aNameRelativeToABaseBelowTheRootKeepsTheBasesLevelsBelowTheRoot() {
        FileEvent.Side side = name("/srv/data", 1, "/srv/data/app", "sub/x");
        assertEquals("/srv/data/app/sub/x", namespacePath(side));
        assertEquals("/srv/data/app/sub/x", hostPath(side));

        FileEvent.Side inContainer = name("/srv/data", 1, "/data/app", "x");
        assertEquals("/data/app/x", namespacePath(inContainer));
        assertEquals("/srv/data/app/x", hostPath(inContainer));
    }

    @Test
    void aNameRelativeToTheRootItself() {
        FileEvent.Side side = name("/srv/data", 0, "/data", "x");
        assertEquals("/data/x", namespacePath(side));
        assertEquals("/srv/data/x", hostPath(side));
    }

    @Test
    void aNameClimbingAboveItsDirectoryKeepsTheProcesssView() {
        FileEvent.Side side = name("/srv/data", 2, "/data/app/sub", "../other/./x");
        assertEquals("/data/app/other/x", namespacePath(side));
        assertEquals("/data/app/other/x", hostPath(side));
    }

    @Test
    void aRootReachedThroughTheNameSkipsTheComponentsUpToIt() {
        // chmod("/etc/passwd"): from / the name walk took the step "etc" and met the root.
        FileEvent.Side absolute = byName("/etc", 1, "/", "/etc/passwd");
        assertEquals("/etc/passwd", namespacePath(absolute));
        assertEquals("/etc/passwd", hostPath(absolute));

        // unlink("data/x") from /srv.
        FileEvent.Side relative = byName("/srv/data", 1, "/srv", "data/x");
        assertEquals("/srv/data/x", namespacePath(relative));
        assertEquals("/srv/data/x", hostPath(relative));

        // unlink("/mnt/bind/x") through a bind mount of /srv/data: two steps to the root.
        FileEvent.Side bound = byName("/srv/data", 2, "/", "/mnt/bind/x");
        assertEquals("/mnt/bind/x", namespacePath(bound));
        assertEquals("/srv/data/x", hostPath(bound));
    }

    @Test
    void anAbsoluteNameIgnoresTheBase() {
        // The kernel counts "." among the components it passed: "etc", "." -> 2.
        FileEvent.Side side = byName("/etc", 2, "/home/alice", "//etc/./shadow");
        assertEquals("/etc/shadow", namespacePath(side));
        assertEquals("/etc/shadow", hostPath(side));
    }

    @Test
    void aNameThatClimbsIntoARootWithDotDot() {
        // chmod("../passwd") from /etc/ssh: ".." took the walk up to /etc, the root.
        FileEvent.Side side = byName("/etc", 1, "/etc/ssh", "../passwd");
        assertEquals("/etc/passwd", namespacePath(side));
        assertEquals("/etc/passwd", hostPath(side));
    }

    @Test
    void withoutAKnownRootTheHostPathIsTheNamespacePath() {
        // A name the kernel left to user space (a .. above a step): watched, no root.
        FileEvent.Side noRoot = new FileEvent.Side(0, 0, 0, 0, bytes("/srv/data/app"), bytes("../../../etc/x"),
                SIDE_WATCHED);
        assertEquals("/etc/x", namespacePath(noRoot));
        assertEquals("/etc/x", hostPath(noRoot));

        // A root the current watch set does not know (gone since the kernel matched it).
        FileEvent.Side stale = new FileEvent.Side(999, DEV, 1, 0, bytes("/old/x"), new byte[0], SIDE_WATCHED);
        assertEquals("/old/x", hostPath(stale));
    }

    @Test
    void anFdTargetWithoutAPathIsTheRoot() {
        FileEvent.Side side = new FileEvent.Side(0, 0, 0, 0, new byte[0], new byte[0], 0);
        assertEquals("/", namespacePath(side));
    }

    @Test
    void bytesThatAreNotUtf8AndNewlinesAreKept() {
        byte[] path = {'/', 'd', 'a', 't', 'a', '/', (byte) 0xff, '\n', 'x'};
        FileEvent.Side side = new FileEvent.Side(11, DEV, 1, 0, path, new byte[0], SIDE_WATCHED);
        assertArrayEquals(path, FileRows.namespacePath(side));
        byte[] expected = {'/', 's', 'r', 'v', '/', 'd', 'a', 't', 'a', '/', (byte) 0xff, '\n', 'x'};
        assertArrayEquals(expected, FileRows.hostPath(watch, side, FileRows.namespacePath(side)));
    }

    // Rows as FileRows makes them: a side is resolved once per configuration.

    private static FileEvent updated(FileEvent.Side side) {
        return new FileEvent(io.vajra.bpf.FileRecordLayout.OP_UPDATED, 1, System.currentTimeMillis() * 1_000_000L, 0, 0, 77, 5, 0, 0, 0, DEV, 0100644,
                0, 0, 300, 300, 1, 0, 0, 0, 0, -1, 0, 300, 0, 3, 01101, 0, 3,
                io.vajra.bpf.FileRecordLayout.FLAG_HAS_INODE, side, FileEvent.Side.NONE, bytes("w"), null);
    }

    private static String row(FileChange c) {
        return c.action() + " " + c.category() + " " + new String(c.targetPath(), StandardCharsets.UTF_8) + " "
                + new String(c.namespacePath(), StandardCharsets.UTF_8) + " " + c.hash().failure();
    }

    @Test
    void aSideSeenAgainGivesTheSameRowsAndANewConfigurationIsAppliedAtOnce() throws ConfigException {
        io.vajra.event.EventStore<FileChange> store =
                new io.vajra.event.EventStore<>(io.vajra.event.StoreSettings.defaults());
        FimMatcher other = new FimMatcher(FimConfig.parse("{\"file_paths\":{\"other\":[\"/srv/data/%%\"]}}"));
        java.util.concurrent.atomic.AtomicReference<FileRows.FimState> state = new java.util.concurrent.atomic.AtomicReference<>(
                new FileRows.FimState(new FimMatcher(FimConfig.parse(
                        "{\"file_paths\":{\"data\":[\"/srv/data/%%\"],\"etc\":[\"/etc/%\"]}}")), watch));
        try (FileHasher hasher = new FileHasher(0, 1, 0)) {
            FileRows rows = new FileRows(store, state::get, hasher, created -> { });
            FileEvent.Side x = fd("/srv/data", 2, "/mnt/bind/app/x.conf");
            rows.accept(updated(x), new byte[0], new byte[0]);
            rows.accept(updated(fd("/srv/data", 2, "/mnt/bind/app/x.conf")), new byte[0], new byte[0]);
            rows.accept(updated(fd("/srv/data", 1, "/srv/data/y")), new byte[0], new byte[0]);
            state.set(new FileRows.FimState(other, watch));
            rows.accept(updated(x), new byte[0], new byte[0]);
            rows.flush();
            List<String> made = new java.util.ArrayList<>();
            io.vajra.event.EventSlice<FileChange> slice = store.read(io.vajra.event.EventRange.ALL);
            for (int i = 0; i < slice.size(); i++) {
                made.add(row(slice.event(i)));
            }
            assertEquals(List.of(
                    "UPDATED data /srv/data/app/x.conf /mnt/bind/app/x.conf hashing disabled",
                    "UPDATED data /srv/data/app/x.conf /mnt/bind/app/x.conf hashing disabled",
                    "UPDATED data /srv/data/y /srv/data/y hashing disabled",
                    "UPDATED other /srv/data/app/x.conf /mnt/bind/app/x.conf hashing disabled"), made);
        }
    }
}
