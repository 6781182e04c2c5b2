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
     * @param mountPoints mount points to consider for bind mounts of roots (from
     *                    /proc/self/mountinfo; may be empty)
     */
    public static WatchSet compute(FimMatcher matcher, Stat stat, List<String> mountPoints) {
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
                addStepsTo(steps, stat, top, mountPoint);
            }
        }
        boolean accesses = flags.values().stream().anyMatch(f -> (f & FileRecordLayout.ROOT_ACCESSES) != 0);
        return new WatchSet(Map.copyOf(paths), Map.copyOf(flags), List.copyOf(steps.values()), Set.copyOf(pending),
                accesses);
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

    private static void addStepsTo(Map<String, long[]> steps, Stat stat, Key top, String path) {
        Key parent = top;
        String parentPath = "/";
        for (String name : components(path)) {
            String childPath = parentPath.equals("/") ? "/" + name : parentPath + "/" + name;
            Key child = stat.directory(Path.of(childPath));
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

    /** Mount points of this process's mount namespace, unescaped (\040 is a space). */
    public static List<String> mountPoints() {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                if (fields.length > 4) {
                    out.add(unescape(fields[4]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no bind-mount steps then; fd-based events still see bind mounts
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
