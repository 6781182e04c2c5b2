package io.vajra.fim;

import io.vajra.bpf.FileRecordLayout;
import io.vajra.event.EventStore;
import io.vajra.event.FileEvent;
import io.vajra.event.FileEventSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns the kernel's file records into {@link FileChange} rows: paths in the host's view
 * (root path + what lies below it), exact pattern matching with exclusions (the kernel's
 * verdict is a superset), one row per category, rename pairs, attributes, hashes.
 *
 * <p>Threading: {@link #accept} and {@link #flush} on the collector thread only; counters
 * from any thread.
 */
public final class FileRows implements FileEventSink {
    private static final byte[] NO_BYTES = new byte[0];
    /** Distinct sides remembered per configuration; a storm on a few files resolves each once. */
    static final int RESOLVED_CAPACITY = 4096;
    /** Sides remembered by identity (a power of two). */
    private static final int SAME_SIDE_SLOTS = 256;

    private final EventStore<FileChange> store;
    private final Supplier<FimState> state;
    private final FileHasher hasher;
    private final Consumer<String> createdPath;
    private final List<FileChange> pending = new ArrayList<>();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong unmatched = new AtomicLong();
    // What each distinct side resolves to (see resolve): collector thread only, emptied when
    // the state changes or when it reaches its capacity.
    private final Map<SideKey, Resolved> resolvedSides = new HashMap<>();
    private FimState resolvedFor;
    private final SideKey probe = new SideKey();
    // The same, by the Side object: a batch hands out one Side per distinct side (see
    // BatchReader), and finding it here spares hashing its bytes for every row.
    private final FileEvent.Side[] sameSides = new FileEvent.Side[SAME_SIDE_SLOTS];
    private final Resolved[] sameResolved = new Resolved[SAME_SIDE_SLOTS];

    /**
     * @param createdPath told of every created or moved-in path that may bring a pending
     *                    root into existence (the watch set must then be recomputed)
     */
    public FileRows(EventStore<FileChange> store, Supplier<FimState> state, FileHasher hasher,
            Consumer<String> createdPath) {
        this.store = store;
        this.state = state;
        this.hasher = hasher;
        this.createdPath = createdPath;
    }

    /** The configuration and watch set rows are matched against. */
    public record FimState(FimMatcher matcher, WatchSet watch) {
        public static final FimState EMPTY = new FimState(new FimMatcher(FimConfig.EMPTY), WatchSet.EMPTY);
    }

    @Override
    public void accept(FileEvent e, byte[] processPath, byte[] processArgv) {
        records.incrementAndGet();
        FimState now = state.get();
        switch (e.op()) {
            case FileRecordLayout.OP_CREATED -> rows(now, e, e.side0(), "CREATED", 0, processPath, processArgv);
            case FileRecordLayout.OP_UPDATED -> rows(now, e, e.side0(), "UPDATED", 0, processPath, processArgv);
            case FileRecordLayout.OP_DELETED -> rows(now, e, e.side0(), "DELETED", 0, processPath, processArgv);
            case FileRecordLayout.OP_ATTRIB -> rows(now, e, e.side0(), "ATTRIBUTES_MODIFIED", 0, processPath, processArgv);
            case FileRecordLayout.OP_OPENED -> rows(now, e, e.side0(), "OPENED", 0, processPath, processArgv);
            case FileRecordLayout.OP_ACCESSED -> rows(now, e, e.side0(), "ACCESSED", 0, processPath, processArgv);
            case FileRecordLayout.OP_MOVED -> {
                long transaction = transactions.incrementAndGet();
                rows(now, e, e.side0(), "MOVED_FROM", transaction, processPath, processArgv);
                rows(now, e, e.side1(), "MOVED_TO", transaction, processPath, processArgv);
            }
            default -> unmatched.incrementAndGet();
        }
    }

    private void rows(FimState now, FileEvent e, FileEvent.Side side, String action, long transaction,
            byte[] processPath, byte[] processArgv) {
        if (side == FileEvent.Side.NONE || !side.watched()) {
            return;
        }
        Resolved resolved = resolve(now, side);
        byte[] namespacePath = resolved.namespacePath;
        byte[] targetPath = resolved.targetPath;
        if (action.equals("CREATED") || action.equals("MOVED_TO")) {
            if (now.watch().mayCreatePending(resolved.text)) {
                createdPath.accept(resolved.text);
            }
        }
        boolean access = action.equals("OPENED") || action.equals("ACCESSED");
        List<String> categories = access ? resolved.accessCategories : resolved.categories;
        if (categories.isEmpty()) {
            unmatched.incrementAndGet();
            return;
        }
        FileChange.FileStat stat = stat(now.watch(), e, side, action, targetPath, namespacePath);
        FileHasher.Result hash = null;
        if ((action.equals("CREATED") || action.equals("UPDATED")) && stat != null && isRegular(stat.mode())) {
            if (side.rootIno() != 0) {
                hash = hasher.submitChecked(resolved.hashTarget, resolved.lastHash);
                resolved.lastHash = hash;
            } else {
                hash = hasher.submitChecked(FileHasher.target(readablePath(e, side, targetPath, namespacePath)));
            }
        }
        byte[] linkTarget = (e.side1().flags() & FileRecordLayout.SIDE_NAME_RAW) != 0 ? e.side1().name() : NO_BYTES;
        for (int i = 0; i < categories.size(); i++) {
            pending.add(new FileChange(e, action, categories.get(i), targetPath, namespacePath, transaction,
                    linkTarget, stat, hash, processPath, processArgv));
            rows.incrementAndGet();
        }
    }

    /**
     * What a side resolves to under one FimState: both paths, the path as text, the categories
     * that cover it (all, and those reporting accesses), and the name to hash it by (when the
     * side has a root; else the readable path depends on the pid). Rows share these arrays.
     */
    private static final class Resolved {
        final byte[] namespacePath;
        final byte[] targetPath;
        final String text;
        final List<String> categories;
        final List<String> accessCategories;
        final FileHasher.Target hashTarget;
        /** The hash slot the last row of this side got: the next write joins it while it waits. */
        FileHasher.Result lastHash;

        Resolved(byte[] namespacePath, byte[] targetPath, String text, List<String> categories,
                List<String> accessCategories, FileHasher.Target hashTarget) {
            this.namespacePath = namespacePath;
            this.targetPath = targetPath;
            this.text = text;
            this.categories = categories;
            this.accessCategories = accessCategories;
            this.hashTarget = hashTarget;
        }
    }

    private Resolved resolve(FimState now, FileEvent.Side side) {
        if (resolvedFor != now) {
            resolvedSides.clear();
            Arrays.fill(sameSides, null);
            Arrays.fill(sameResolved, null);
            resolvedFor = now;
        }
        int slot = System.identityHashCode(side) & (SAME_SIDE_SLOTS - 1);
        if (sameSides[slot] == side) {
            return sameResolved[slot];
        }
        Resolved resolved = resolvedSides.get(probe.of(side));
        if (resolved != null) {
            sameSides[slot] = side;
            sameResolved[slot] = resolved;
            return resolved;
        }
        byte[] namespacePath = namespacePath(side);
        byte[] targetPath = hostPath(now.watch(), side, namespacePath);
        if (Arrays.equals(targetPath, namespacePath)) {
            targetPath = namespacePath; // the host's view is the process's: one array
        }
        String text = PathBytes.text(targetPath);
        List<String> categories = now.matcher().categoriesOf(text);
        List<String> accessCategories = new ArrayList<>();
        for (String category : categories) {
            if (now.matcher().accessesReported(category)) {
                accessCategories.add(category);
            }
        }
        resolved = new Resolved(namespacePath, targetPath, text, categories, List.copyOf(accessCategories),
                side.rootIno() != 0 ? FileHasher.target(targetPath) : null);
        if (resolvedSides.size() >= RESOLVED_CAPACITY) {
            resolvedSides.clear();
        }
        resolvedSides.put(new SideKey().of(side), resolved);
        sameSides[slot] = side;
        sameResolved[slot] = resolved;
        return resolved;
    }

    /** The side fields the paths are computed from, compared by content. */
    private static final class SideKey {
        private long rootIno;
        private int rootDev;
        private int depth;
        private int nameSkip;
        private int flags;
        private byte[] path;
        private byte[] name;
        private byte[] levels;
        private int hash;

        SideKey of(FileEvent.Side side) {
            rootIno = side.rootIno();
            rootDev = side.rootDev();
            depth = side.depth();
            nameSkip = side.nameSkip();
            flags = side.flags();
            path = side.path();
            name = side.name();
            levels = side.levels();
            int h = Long.hashCode(rootIno) * 31 + rootDev;
            h = (h * 31 + depth) * 31 + nameSkip;
            h = h * 31 + flags;
            h = h * 31 + Arrays.hashCode(path);
            h = h * 31 + Arrays.hashCode(name);
            hash = h * 31 + Arrays.hashCode(levels);
            return this;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SideKey k && k.hash == hash && k.rootIno == rootIno && k.rootDev == rootDev
                    && k.depth == depth && k.nameSkip == nameSkip && k.flags == flags
                    && Arrays.equals(k.path, path) && Arrays.equals(k.name, name)
                    && Arrays.equals(k.levels, levels);
        }
    }

    @Override
    public void flush() {
        if (!pending.isEmpty()) {
            store.appendAll(pending);
            pending.clear();
        }
    }

    /** The path as the process named it: fd targets carry it whole, names join their base. */
    static byte[] namespacePath(FileEvent.Side side) {
        if (side.name().length == 0) {
            return side.path().length == 0 ? new byte[] {'/'} : side.path();
        }
        List<byte[]> name = PathBytes.levels(side.name());
        if (PathBytes.isAbsolute(side.name())) {
            return PathBytes.absolute(name);
        }
        return PathBytes.absolute(PathBytes.concat(PathBytes.levels(side.path()), name));
    }

    /**
     * The host's view: the configured path of the root the kernel matched, then what lies
     * below it. Without a known root (a name climbing out with ..), the process's view.
     */
    static byte[] hostPath(WatchSet watch, FileEvent.Side side, byte[] namespacePath) {
        String root = side.rootIno() == 0 ? null : watch.rootPath(side.rootDev(), side.rootIno());
        if (root == null) {
            return namespacePath;
        }
        List<byte[]> rootLevels = PathBytes.levels(root);
        List<byte[]> name = PathBytes.levels(side.name());
        if (PathBytes.climbsAbove(name)) {
            // ".." above the name's directory may cross a mount or a symlink, which lexical
            // joining cannot follow: the process's own view is the honest answer.
            return namespacePath;
        }
        if ((side.flags() & FileRecordLayout.SIDE_LEVELS) != 0) {
            // The kernel walked from the target (or the name's directory) up to the root:
            // the watched tree's own names, whatever mount the process went through.
            return PathBytes.absolute(PathBytes.concat(PathBytes.concat(rootLevels, PathBytes.levels(side.levels())),
                    name));
        }
        if (side.name().length == 0) {
            return PathBytes.absolute(PathBytes.concat(rootLevels,
                    PathBytes.last(PathBytes.levels(side.path()), side.depth())));
        }
        if ((side.flags() & FileRecordLayout.SIDE_ROOT_BY_NAME) != 0) {
            int skip = Math.min(side.nameSkip(), name.size());
            return PathBytes.absolute(PathBytes.concat(rootLevels, name.subList(skip, name.size())));
        }
        List<byte[]> below = PathBytes.last(PathBytes.levels(side.path()), side.depth());
        return PathBytes.absolute(PathBytes.concat(PathBytes.concat(rootLevels, below), name));
    }

    /** A path this process can open for the file: the host's view, or through /proc/pid/root. */
    private static byte[] readablePath(FileEvent e, FileEvent.Side side, byte[] targetPath, byte[] namespacePath) {
        if (side.rootIno() != 0) {
            return targetPath;
        }
        byte[] prefix = ("/proc/" + Integer.toUnsignedString(e.pid()) + "/root").getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[prefix.length + namespacePath.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(namespacePath, 0, out, prefix.length, namespacePath.length);
        return out;
    }

    /** From the kernel when the probe had the inode; else read now (gone: null). */
    private static FileChange.FileStat stat(WatchSet watch, FileEvent e, FileEvent.Side side, String action,
            byte[] targetPath, byte[] namespacePath) {
        boolean fdTarget = side.name().length == 0 && side == e.side0();
        if (fdTarget && (e.flags() & FileRecordLayout.FLAG_HAS_INODE) != 0) {
            return new FileChange.FileStat(e.ino(), e.dev(), e.mode(), e.fileUid(), e.fileGid(), e.size(),
                    e.atimeNanos(), e.mtimeNanos(), e.ctimeNanos(), true);
        }
        if (action.equals("DELETED")) {
            return null;
        }
        // A rename's source is found under its new name.
        FileEvent.Side where = action.equals("MOVED_FROM") ? e.side1() : side;
        if (where == side) {
            return lstat(readablePath(e, side, targetPath, namespacePath));
        }
        byte[] whereNamespace = namespacePath(where);
        return lstat(readablePath(e, where, hostPath(watch, where, whereNamespace), whereNamespace));
    }

    private static FileChange.FileStat lstat(byte[] bytes) {
        Path path = FileHasher.toPath(bytes);
        if (path == null) {
            return null; // bytes the JDK cannot name exactly: better no columns than another file's
        }
        try {
            Map<String, Object> a = Files.readAttributes(path,
                    "unix:ino,dev,mode,uid,gid,size,lastAccessTime,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
            return new FileChange.FileStat((Long) a.get("ino"), WatchSet.kernelDev((Long) a.get("dev")),
                    (Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("size"),
                    nanos(a.get("lastAccessTime")), nanos(a.get("lastModifiedTime")), nanos(a.get("ctime")), false);
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    private static long nanos(Object time) {
        return time instanceof FileTime t ? t.to(TimeUnit.NANOSECONDS) : 0;
    }

    private static boolean isRegular(int mode) {
        return (mode & 0170000) == 0100000;
    }

    /** For the stats table. */
    public Map<String, Long> counters() {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        out.put("file_records", records.get());
        out.put("file_rows", rows.get());
        out.put("file_unmatched", unmatched.get());
        out.putAll(hasher.counters());
        return out;
    }
}
