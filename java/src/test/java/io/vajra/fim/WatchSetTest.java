package io.vajra.fim;

import static io.vajra.bpf.FileRecordLayout.ROOT_ACCESSES;
import static io.vajra.bpf.FileRecordLayout.ROOT_RECURSIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.FileRecordLayout;
import io.vajra.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** WatchSet over a made-up file system: directory path -> (dev, ino). */
class WatchSetTest {
    private static final int ROOT_FS = (8 << 20) | 1; // 8:1
    private static final int DATA_FS = 254 << 20;     // 254:0

    private final Map<String, WatchSet.Key> dirs = new HashMap<>();
    private final WatchSet.Stat stat = path -> dirs.get(path.toString());
    private long nextIno = 2;

    private void mkdirs(int dev, String... paths) {
        for (String path : paths) {
            dirs.put(path, new WatchSet.Key(dev, nextIno++));
        }
    }

    private WatchSet.Key key(String path) {
        return dirs.get(path);
    }

    private WatchSet compute(String json, List<String> mountPoints) throws ConfigException {
        return WatchSet.compute(new FimMatcher(FimConfig.parse(json)), stat, mountPoints);
    }

    private WatchSet compute(String json) throws ConfigException {
        return compute(json, List.of());
    }

    /** Root path -> flags, as the kernel gets them, with the paths the set gives back. */
    private static Map<String, Integer> roots(WatchSet set) {
        long[] triples = set.rootTriples();
        Map<String, Integer> out = new TreeMap<>();
        for (int i = 0; i < triples.length; i += 3) {
            String path = set.rootPath((int) triples[i + 1], triples[i]);
            out.put(path, (int) triples[i + 2]);
        }
        return out;
    }

    /** "dev:ino/name -> dev:ino" for the expected step from {@code parent} through {@code name}. */
    private String step(String parent, String name, String child) {
        return describe(key(parent), FileRecordLayout.nameHash(name.getBytes(StandardCharsets.UTF_8)), key(child));
    }

    private static String describe(WatchSet.Key parent, int hash, WatchSet.Key child) {
        return parent.dev() + ":" + parent.ino() + "/" + Integer.toHexString(hash) + " -> " + child.dev() + ":"
                + child.ino();
    }

    private static Set<String> steps(WatchSet set) {
        long[] q = set.stepQuintuples();
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < q.length; i += 5) {
            out.add(describe(new WatchSet.Key((int) q[i + 1], q[i]), (int) q[i + 2],
                    new WatchSet.Key((int) q[i + 4], q[i + 3])));
        }
        return out;
    }

    @Test
    void rootsAndTheStepsThatLeadToThem() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/etc", "/srv");
        mkdirs(DATA_FS, "/srv/app", "/srv/app/data");
        WatchSet set = compute("{\"file_paths\":{\"app\":[\"/srv/app/data/%\"],\"etc\":[\"/etc/%%\"]}}");

        assertEquals(Map.of("/etc", ROOT_RECURSIVE, "/srv/app/data", 0), roots(set));
        assertEquals(Set.of(
                step("/", "etc", "/etc"),
                step("/", "srv", "/srv"),
                step("/srv", "app", "/srv/app"),
                step("/srv/app", "data", "/srv/app/data")), steps(set));
        assertEquals(2, set.rootCount());
        assertEquals(4, set.stepCount());
        assertEquals("/srv/app/data", set.rootPath(DATA_FS, key("/srv/app/data").ino()));
        assertNull(set.rootPath(ROOT_FS, key("/srv/app/data").ino()), "the device is part of the key");
        assertNull(set.rootPath(ROOT_FS, key("/srv").ino()), "a directory on the way is not a root");
        assertEquals(Set.of(), set.pending());
        assertFalse(set.accesses());
        assertFalse(set.isEmpty());
    }

    @Test
    void theRecursiveFlagFollowsThePatterns() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/etc", "/etc/ssh", "/home");
        WatchSet set = compute("{\"file_paths\":{\"etc\":[\"/etc/passwd\",\"/etc/ssh/%%\"],"
                + "\"homes\":[\"/home/%/.ssh/%%\"]}}");
        assertEquals(Map.of("/etc", 0, "/etc/ssh", ROOT_RECURSIVE, "/home", ROOT_RECURSIVE), roots(set));
        assertEquals(Set.of(
                step("/", "etc", "/etc"),
                step("/etc", "ssh", "/etc/ssh"),
                step("/", "home", "/home")), steps(set));
    }

    @Test
    void onlyRootsOfFileAccessesCategoriesReportAccesses() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/etc", "/home");
        WatchSet set = compute("{\"file_paths\":{\"homes\":[\"/home/%%\"],\"etc\":[\"/etc/%%\"]},"
                + "\"file_accesses\":[\"homes\"]}");
        assertEquals(Map.of("/home", ROOT_RECURSIVE | ROOT_ACCESSES, "/etc", ROOT_RECURSIVE), roots(set));
        assertTrue(set.accesses());

        WatchSet without = compute("{\"file_paths\":{\"homes\":[\"/home/%%\"]},\"file_accesses\":[\"other\"]}");
        assertEquals(Map.of("/home", ROOT_RECURSIVE), roots(without), "a category not in file_paths does nothing");
        assertFalse(without.accesses());
    }

    @Test
    void aRecursiveRootReportsAccessesOfACategoryBelowIt() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/srv", "/srv/keys");
        WatchSet set = compute("{\"file_paths\":{\"all\":[\"/srv/%%\"],\"keys\":[\"/srv/keys/%\"]},"
                + "\"file_accesses\":[\"keys\"]}");
        assertEquals(Map.of("/srv", ROOT_RECURSIVE | ROOT_ACCESSES), roots(set),
                "/srv/keys lies in /srv, which watches it; its accesses must reach the kernel");
        assertTrue(set.accesses());
    }

    @Test
    void aMissingRootIsStoodInForByItsDeepestExistingParent() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/opt");
        WatchSet set = compute("{\"file_paths\":{\"app\":[\"/opt/app/conf/%%\"]}}");

        assertEquals(Map.of("/opt", 0), roots(set), "direct children only, whatever the pattern asks");
        assertEquals(Set.of(step("/", "opt", "/opt")), steps(set));
        assertEquals(Set.of("/opt/app/conf"), set.pending());
        assertEquals("/opt", set.rootPath(ROOT_FS, key("/opt").ino()), "rows under it name the parent");

        assertTrue(set.mayCreatePending("/opt/app"), "a directory on the way");
        assertTrue(set.mayCreatePending("/opt/app/conf"), "the root itself");
        assertFalse(set.mayCreatePending("/opt/application"), "a prefix is not a parent");
        assertFalse(set.mayCreatePending("/opt/other"));
        assertFalse(set.mayCreatePending("/opt/app/conf/x"), "below the root: it exists already");
    }

    @Test
    void onceTheRootExistsItIsNoLongerPending() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/opt");
        String json = "{\"file_paths\":{\"app\":[\"/opt/app/%\"]}}";
        assertEquals(Set.of("/opt/app"), compute(json).pending());

        mkdirs(ROOT_FS, "/opt/app");
        WatchSet set = compute(json);
        assertEquals(Set.of(), set.pending());
        assertEquals(Map.of("/opt/app", 0), roots(set));
        assertFalse(set.mayCreatePending("/opt/app"));
    }

    @Test
    void aBindMountOfARootGetsStepsToItsMountPoint() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/srv", "/mnt", "/proc");
        mkdirs(DATA_FS, "/srv/data");
        dirs.put("/mnt/bind", key("/srv/data")); // the same directory, mounted a second time
        WatchSet set = compute("{\"file_paths\":{\"data\":[\"/srv/data/%%\"]}}",
                List.of("/", "/srv/data", "/mnt/bind", "/proc", "relative", "/missing"));

        assertEquals(Map.of("/srv/data", ROOT_RECURSIVE), roots(set), "still one root, by its configured path");
        assertEquals(Set.of(
                step("/", "srv", "/srv"),
                step("/srv", "data", "/srv/data"),
                step("/", "mnt", "/mnt"),
                step("/mnt", "bind", "/srv/data")), steps(set));
    }

    @Test
    void aWatchedDirectoryMountedInAContainerGetsStepsFromTheContainersRoot() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/srv", "/proc/42/root", "/proc/42/root/mnt", "/proc/42/root/etc");
        mkdirs(DATA_FS, "/srv/data", "/srv/data/app");
        // The container (seen here at /proc/42/root) shows the host's /srv/data at /data and
        // its /srv/data/app at /mnt/app; its /etc is its own.
        dirs.put("/proc/42/root/data", key("/srv/data"));
        dirs.put("/proc/42/root/mnt/app", key("/srv/data/app"));
        List<WatchSet.Mount> own = List.of(new WatchSet.Mount("8:1", "/", "/"),
                new WatchSet.Mount("254:0", "/", "/srv/data"));
        WatchSet.Namespace container = new WatchSet.Namespace(java.nio.file.Path.of("/proc/42/root"), List.of(
                new WatchSet.Mount("0:99", "/", "/"),
                new WatchSet.Mount("254:0", "/", "/data"),
                new WatchSet.Mount("254:0", "/app", "/mnt/app"),
                new WatchSet.Mount("8:1", "/etc", "/etc")));
        WatchSet set = WatchSet.compute(new FimMatcher(FimConfig.parse("{\"file_paths\":{\"data\":[\"/srv/data/%%\"]}}")),
                stat, List.of("/", "/srv/data"), own, List.of(container));

        assertEquals(Map.of("/srv/data", ROOT_RECURSIVE, "/srv/data/app", ROOT_RECURSIVE), roots(set),
                "the mounted subdirectory is a root of its own, as recursive as the root above it");
        assertEquals(Set.of(
                step("/", "srv", "/srv"),
                step("/srv", "data", "/srv/data"),
                step("/proc/42/root", "data", "/srv/data"),
                step("/proc/42/root", "mnt", "/proc/42/root/mnt"),
                step("/proc/42/root/mnt", "app", "/srv/data/app")), steps(set),
                "nothing for the container's own /etc, which is not watched");
    }

    @Test
    void aNamespaceWithOurRootNeedsNoStepsOfItsOwn() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/srv");
        mkdirs(DATA_FS, "/srv/data");
        dirs.put("/proc/7/root", key("/"));
        dirs.put("/proc/7/root/data", key("/srv/data"));
        List<WatchSet.Mount> own = List.of(new WatchSet.Mount("8:1", "/", "/"),
                new WatchSet.Mount("254:0", "/", "/srv/data"));
        WatchSet.Namespace sameRoot = new WatchSet.Namespace(java.nio.file.Path.of("/proc/7/root"),
                List.of(new WatchSet.Mount("254:0", "/", "/data")));
        WatchSet set = WatchSet.compute(new FimMatcher(FimConfig.parse("{\"file_paths\":{\"data\":[\"/srv/data/%\"]}}")),
                stat, List.of(), own, List.of(sameRoot));
        assertEquals(Set.of(step("/", "srv", "/srv"), step("/srv", "data", "/srv/data")), steps(set));
    }

    @Test
    void withoutARootDirectoryNothingIsWatched() throws ConfigException {
        WatchSet set = compute("{\"file_paths\":{\"etc\":[\"/etc/%%\"]}}");
        assertSame(WatchSet.EMPTY, set);
        assertTrue(set.isEmpty());
        assertEquals(0, set.rootTriples().length);
        assertEquals(0, set.stepQuintuples().length);
    }

    @Test
    void anEmptyConfigurationWatchesNothing() throws ConfigException {
        mkdirs(ROOT_FS, "/");
        WatchSet set = compute("{}");
        assertTrue(set.isEmpty());
        assertEquals(0, set.stepCount());
    }

    /** glibc's makedev(): how st_dev encodes major and minor. */
    private static long makedev(long major, long minor) {
        return ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xffL) | ((minor & ~0xffL) << 12);
    }

    @Test
    void kernelDevTurnsStDevIntoTheKernelsEncoding() {
        assertEquals(254 << 20, WatchSet.kernelDev(0xfe00), "254:0, a device-mapper volume");
        assertEquals((8 << 20) | 1, WatchSet.kernelDev(0x801), "8:1, /dev/sda1");
        assertEquals(0x2d, WatchSet.kernelDev(0x2d), "0:45, an anonymous device (tmpfs, overlay)");
        assertEquals(0, WatchSet.kernelDev(0));
    }

    @Test
    void kernelDevKeepsLargeMinors() {
        // Minors above 255 are split by glibc: the low byte at the bottom, the rest above the major.
        assertEquals(0x12310345L, makedev(259, 0x12345));
        assertEquals((259 << 20) | 0x12345, WatchSet.kernelDev(makedev(259, 0x12345)));
        assertEquals((8 << 20) | 0x123, WatchSet.kernelDev(makedev(8, 0x123)));
        assertEquals(0xfffff, WatchSet.kernelDev(makedev(0, 0xfffff)), "the largest minor");
        assertEquals((0xfff << 20) | 0xfffff, WatchSet.kernelDev(makedev(0xfff, 0xfffff)), "both at their largest");
    }

    @Test
    void nameHashIsFnv1a32() {
        assertEquals(0x811c9dc5, FileRecordLayout.nameHash(new byte[0]), "the empty name is the offset basis");
        assertEquals(0xe40c292c, FileRecordLayout.nameHash("a".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0xbf9cf968, FileRecordLayout.nameHash("foobar".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0x8d9c244d, FileRecordLayout.nameHash("etc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0x7a0b824e, FileRecordLayout.nameHash(new byte[] {(byte) 0xff}), "bytes are unsigned");
        assertEquals(0x1e9de8c1, FileRecordLayout.nameHash("é".getBytes(StandardCharsets.UTF_8)), "UTF-8 bytes");
    }

    @Test
    void stepsCarryTheNameHashOfTheChild() throws ConfigException {
        mkdirs(ROOT_FS, "/", "/etc");
        WatchSet set = compute("{\"file_paths\":{\"etc\":[\"/etc/%\"]}}");
        long[] q = set.stepQuintuples();
        Map<String, Long> fields = new LinkedHashMap<>();
        fields.put("dir ino", q[0]);
        fields.put("dir dev", q[1]);
        fields.put("name hash", q[2]);
        fields.put("child ino", q[3]);
        fields.put("child dev", q[4]);
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("dir ino", key("/").ino());
        expected.put("dir dev", (long) ROOT_FS);
        expected.put("name hash", 0x8d9c244dL);
        expected.put("child ino", key("/etc").ino());
        expected.put("child dev", (long) ROOT_FS);
        assertEquals(expected, fields);
        assertEquals(List.of(key("/etc").ino(), (long) ROOT_FS, 0L),
                List.of(set.rootTriples()[0], set.rootTriples()[1], set.rootTriples()[2]));
    }
}
