package io.vajra.fim;

import io.vajra.bpf.FileRecordLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the kernel's FIM filter gets for a configuration: the watch roots by (device, inode),
 * and the steps, (directory, name hash) -> child, that lead from {@code /} to each root, so a
 * name such as {@code /etc/passwd} or {@code ../etc/x} can be followed to a root without a
 * path lookup in the kernel. Computed from the file system as it is now: a root that does
 * not exist yet is stood in for by its deepest existing directory (a <em>pending</em> root,
 * watched for direct children only), so its creation reaches user space, which then
 * recomputes. Bind mounts of a root get steps to their mount point too. Immutable.
 */
public final class WatchSet {
    /** A directory as the kernel names it: dev in its encoding (major << 20 | minor). */
    public record Key(int dev, long ino) {}

    /** How a path is looked up; the real one follows symlinks, like the kernel's walk. */
    @FunctionalInterface
    public interface Stat {
        /** The directory's key, or null when it does not exist or is not a directory. */
        Key directory(Path path);
    }

    public static final Stat FILE_SYSTEM = WatchSet::statDirectory;

    public static final WatchSet EMPTY = new WatchSet(Map.of(), Map.of(), List.of(), Set.of(), false);

    private final Map<Key, String> rootPaths;
    private final Map<Key, Integer> rootFlags;
    private final List<long[]> steps;
    private final Set<String> pending;
    private final boolean accesses;

    private WatchSet(Map<Key, String> rootPaths, Map<Key, Integer> rootFlags, List<long[]> steps,
            Set<String> pending, boolean accesses) {
        this.rootPaths = rootPaths;
        this.rootFlags = rootFlags;
        this.steps = steps;
        this.pending = pending;
        this.accesses = accesses;
    }

    /**
     * Another mount namespace with its own root (a container): where its root is seen from
     * here ({@code /proc/<pid>/root}) and its mount points, as that namespace names them.
     */
    public record Namespace(Path root, List<Mount> mounts) {}

    /** One line of a mountinfo file: the file system (device), the directory of it that is
     *  mounted, and where. */
    public record Mount(String device, String fsRoot, String mountPoint) {}

    /**
     * @param mountPoints mount points to consider for bind mounts of roots (from
     *                    /proc/self/mountinfo; may be empty)
     */
    public static WatchSet compute(FimMatcher matcher, Stat stat, List<String> mountPoints) {
        return compute(matcher, stat, mountPoints, List.of(), List.of());
    }

    /**
     * As above. A watched directory, or one inside a recursive root, mounted into another
     * namespace (a container's volume) becomes a root of its own there, with steps from that
     * namespace's root, so absolute names used inside it ({@code rm /data/x}) reach the
     * kernel filter. {@code ownMounts} (this namespace's mountinfo) tell which host
     * directory each of those mounts shows.
     */
    public static WatchSet compute(FimMatcher matcher, Stat stat, List<String> mountPoints, List<Mount> ownMounts,
            List<Namespace> namespaces) {
        Objects.requireNonNull(matcher, "matcher");
        Map<Key, String> paths = new LinkedHashMap<>();
        Map<Key, Integer> flags = new LinkedHashMap<>();
        Map<String, long[]> steps = new LinkedHashMap<>();
        Set<String> pending = new LinkedHashSet<>();
        Key top = stat.directory(Path.of("/"));
        if (top == null) {
            return EMPTY;
        }
        for (WatchRoot root : matcher.watchRoots()) {
            int rootFlags = (root.recursive() ? FileRecordLayout.ROOT_RECURSIVE : 0)
                    | (reportsAccesses(matcher, root) ? FileRecordLayout.ROOT_ACCESSES : 0);
            Key parent = top;
            String parentPath = "/";
            boolean exists = true;
            for (String name : components(root.path())) {
                String childPath = parentPath.equals("/") ? "/" + name : parentPath + "/" + name;
                Key child = stat.directory(Path.of(childPath));
                if (child == null) {
                    exists = false;
                    break;
                }
                addStep(steps, parent, name, child);
                parent = child;
                parentPath = childPath;
            }
            if (exists) {
                paths.put(parent, root.path());
                flags.merge(parent, rootFlags, (a, b) -> a | b);
            } else {
                // Stand in for the missing root: its creation must reach user space.
                pending.add(root.path());
                paths.putIfAbsent(parent, parentPath);
                flags.merge(parent, 0, (a, b) -> a | b);
            }
        }
        for (String mountPoint : mountPoints) {
            Key key = mountPoint.startsWith("/") ? stat.directory(Path.of(mountPoint)) : null;
            String rootPath = key == null ? null : paths.get(key);
            if (rootPath != null && !rootPath.equals(mountPoint)) {
                addStepsTo(steps, stat, top, Path.of("/"), mountPoint);
            }
        }
        for (Namespace namespace : namespaces) {
            Key nsTop = stat.directory(namespace.root());
            if (nsTop == null || nsTop.equals(top)) {
                continue; // same root as ours: the steps above serve it
            }
            for (Mount mount : namespace.mounts()) {
                if (mount.mountPoint().equals("/")) {
                    continue;
                }
                String hostPath = null;
                WatchRoot covering = null;
                for (String candidate : hostPathsOf(mount, ownMounts)) {
                    covering = covering(matcher, candidate);
                    if (covering != null) {
                        hostPath = candidate;
                        break;
                    }
                }
                if (covering == null) {
                    continue;
                }
                Key key = stat.directory(Path.of(namespace.root() + mount.mountPoint()));
                Key coveringKey = stat.directory(Path.of(covering.path()));
                if (key == null) {
                    continue;
                }
                addStepsTo(steps, stat, nsTop, namespace.root(), mount.mountPoint());
                paths.putIfAbsent(key, hostPath);
                flags.merge(key, coveringKey == null ? 0 : flags.getOrDefault(coveringKey, 0), (a, b) -> a | b);
            }
        }
        boolean accesses = flags.values().stream().anyMatch(f -> (f & FileRecordLayout.ROOT_ACCESSES) != 0);
        return new WatchSet(Map.copyOf(paths), Map.copyOf(flags), List.copyOf(steps.values()), Set.copyOf(pending),
                accesses);
    }

    /** The watch root that covers {@code hostPath}: it, or a recursive root above it. */
    private static WatchRoot covering(FimMatcher matcher, String hostPath) {
        for (WatchRoot root : matcher.watchRoots()) {
            if (root.path().equals(hostPath) || (root.recursive() && root.isAncestorOf(hostPath))) {
                return root;
            }
        }
        return null;
    }

    /** Where this namespace shows the directory another namespace's mount shows (bind
     *  mounts can show it in several places). */
    static List<String> hostPathsOf(Mount mount, List<Mount> ownMounts) {
        List<String> out = new ArrayList<>();
        for (Mount own : ownMounts) {
            if (own.device().equals(mount.device()) && within(mount.fsRoot(), own.fsRoot())) {
                String rest = own.fsRoot().equals("/") ? mount.fsRoot() : mount.fsRoot().substring(own.fsRoot().length());
                String joined = own.mountPoint().equals("/") ? rest : own.mountPoint() + rest;
                out.add(joined.isEmpty() ? "/" : joined);
            }
        }
        return out;
    }

    private static boolean within(String path, String dir) {
        return dir.equals("/") || path.equals(dir) || path.startsWith(dir + "/");
    }

    private static boolean reportsAccesses(FimMatcher matcher, WatchRoot root) {
        for (Map.Entry<String, List<PathPattern>> entry : matcher.config().filePaths().entrySet()) {
            if (!matcher.accessesReported(entry.getKey())) {
                continue;
            }
            for (PathPattern pattern : entry.getValue()) {
                if (pattern.watchRoot().equals(root.path()) || root.isAncestorOf(pattern.watchRoot())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Steps from {@code top} (seen here at {@code seenFrom}) along {@code path}'s levels. */
    private static void addStepsTo(Map<String, long[]> steps, Stat stat, Key top, Path seenFrom, String path) {
        Key parent = top;
        String parentPath = "/";
        for (String name : components(path)) {
            String childPath = parentPath.equals("/") ? "/" + name : parentPath + "/" + name;
            Key child = stat.directory(Path.of(seenFrom + childPath));
            if (child == null) {
                return;
            }
            addStep(steps, parent, name, child);
            parent = child;
            parentPath = childPath;
        }
    }

    private static void addStep(Map<String, long[]> steps, Key parent, String name, Key child) {
        int hash = FileRecordLayout.nameHash(name.getBytes(StandardCharsets.UTF_8));
        long[] step = {parent.ino(), Integer.toUnsignedLong(parent.dev()), Integer.toUnsignedLong(hash), child.ino(),
            Integer.toUnsignedLong(child.dev())};
        steps.put(parent.dev() + ":" + parent.ino() + ":" + hash, step);
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }

    /** The path of the root the kernel matched, or null if it is not one of ours. */
    public String rootPath(int dev, long ino) {
        return rootPaths.get(new Key(dev, ino));
    }

    /** Configured roots that did not exist when this set was computed. */
    public Set<String> pending() {
        return pending;
    }

    public boolean isEmpty() {
        return rootPaths.isEmpty();
    }

    public boolean accesses() {
        return accesses;
    }

    public int rootCount() {
        return rootPaths.size();
    }

    public int stepCount() {
        return steps.size();
    }

    /** (ino, dev, flags) per root, for {@link io.vajra.bpf.ProbeSession#watchFiles}. */
    public long[] rootTriples() {
        long[] out = new long[rootFlags.size() * 3];
        int i = 0;
        for (Map.Entry<Key, Integer> root : rootFlags.entrySet()) {
            out[i++] = root.getKey().ino();
            out[i++] = Integer.toUnsignedLong(root.getKey().dev());
            out[i++] = root.getValue();
        }
        return out;
    }

    /** (dir ino, dir dev, name hash, child ino, child dev) per step. */
    public long[] stepQuintuples() {
        long[] out = new long[steps.size() * 5];
        int i = 0;
        for (long[] step : steps) {
            System.arraycopy(step, 0, out, i, 5);
            i += 5;
        }
        return out;
    }

    /** Whether creating {@code path} may bring a pending root into existence. */
    public boolean mayCreatePending(String path) {
        for (String root : pending) {
            if (root.equals(path) || root.startsWith(path.endsWith("/") ? path : path + "/")) {
                return true;
            }
        }
        return false;
    }

    /** glibc's st_dev encoding to the kernel's (major << 20 | minor). */
    public static int kernelDev(long stDev) {
        long major = ((stDev >>> 8) & 0xfffL) | ((stDev >>> 32) & ~0xfffL);
        long minor = (stDev & 0xffL) | ((stDev >>> 12) & ~0xffL);
        return (int) ((major << 20) | minor);
    }

    private static Key statDirectory(Path path) {
        try {
            Map<String, Object> attributes = Files.readAttributes(path, "unix:dev,ino,mode");
            int mode = (Integer) attributes.get("mode");
            if ((mode & 0170000) != 0040000) {
                return null;
            }
            return new Key(kernelDev((Long) attributes.get("dev")), (Long) attributes.get("ino"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The mounts of a mountinfo file; empty when it cannot be read. */
    public static List<Mount> mounts(Path mountinfo) {
        List<Mount> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 4) {
                    out.add(new Mount(fields[2], unescape(fields[3]), unescape(fields[4])));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no bind-mount steps then; fd-based events still see bind mounts
        }
        return out;
    }

    /**
     * One process per other mount namespace whose root differs from ours (containers), with
     * its mount points. Processes that go away meanwhile are skipped.
     */
    public static List<Namespace> otherNamespaces() {
        List<Namespace> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        String own;
        try {
            own = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        } catch (IOException | RuntimeException e) {
            return out;
        }
        seen.add(own);
        try (var procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                try {
                    String ns = Files.readSymbolicLink(proc.resolve("ns/mnt")).toString();
                    if (!seen.add(ns)) {
                        continue;
                    }
                    out.add(new Namespace(proc.resolve("root"), mounts(proc.resolve("mountinfo"))));
                } catch (IOException | RuntimeException gone) {
                    // exited, or a kernel thread: next
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: only this namespace then
        }
        return out;
    }

    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                try {
                    out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException notOctal) {
                    // keep the backslash
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        Map<String, Integer> byPath = new HashMap<>();
        rootFlags.forEach((key, f) -> byPath.put(rootPaths.get(key), f));
        return "WatchSet[roots=" + byPath + ", steps=" + steps.size() + ", pending=" + pending + "]";
    }
}
