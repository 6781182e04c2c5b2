package io.vajra.bpf;

import static io.vajra.bpf.ProcessRecordLayout.*;

import io.vajra.event.CgroupResolver;
import io.vajra.event.FileEvent;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.SocketRecord;
import io.vajra.event.WriteEvent;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/** Turns one batch (see {@link ProcessRecordLayout}) into events. Stateless. */
public final class BatchReader {
    private static final byte[] NO_BYTES = new byte[0];

    private BatchReader() {}

    /** Where decoded records go, in batch order; every family is optional. */
    public interface Sink {
        default void process(ProcessEvent e) {}

        /** A cgroup's name: comes before the events that need it. */
        default void cgroup(CgroupName name) {}

        /** A view of the record in the batch, valid only during the call. */
        default void socket(SocketRecord r) {}

        default void file(FileEvent e) {}

        default void write(WriteEvent e) {}
    }

    /** Calls {@code sink} for every process record in the batch; returns how many records there were. */
    public static int read(ByteBuffer batch, Consumer<ProcessEvent> sink) {
        return read(batch, sink, name -> { });
    }

    /**
     * Calls {@code processes} for every process record and {@code cgroups} for every
     * cgroup name, in batch order (a name comes before the events that need it).
     */
    public static int read(ByteBuffer batch, Consumer<ProcessEvent> processes, Consumer<CgroupName> cgroups) {
        return read(batch, processes, cgroups, socket -> { });
    }

    /** As above, and {@code sockets} for every socket record. */
    public static int read(ByteBuffer batch, Consumer<ProcessEvent> processes, Consumer<CgroupName> cgroups,
            Consumer<SocketEvent> sockets) {
        return read(batch, processes, cgroups, sockets, CgroupResolver.NONE);
    }

    /**
     * As above, with each event's cgroup context resolved while it is decoded (a name in
     * the batch reaches {@code cgroups} before the events after it are resolved).
     */
    public static int read(ByteBuffer batch, Consumer<ProcessEvent> processes, Consumer<CgroupName> cgroups,
            Consumer<SocketEvent> sockets, CgroupResolver resolver) {
        return read(batch, new Sink() {
            @Override
            public void process(ProcessEvent e) {
                processes.accept(e);
            }

            @Override
            public void cgroup(CgroupName name) {
                cgroups.accept(name);
            }

            @Override
            public void socket(SocketRecord r) {
                sockets.accept(r.completed(NO_BYTES, NO_BYTES, -1, r.localPort()));
            }
        }, resolver);
    }

    /**
     * Hands every record to {@code sink}, with each event's cgroup context resolved while it
     * is decoded (a name in the batch reaches the sink before the events after it are resolved).
     */
    public static int read(ByteBuffer batch, Sink sink, CgroupResolver resolver) {
        int used = batch.limit();
        if (used < BATCH_SIZE) {
            return 0;
        }
        int abi = batch.getInt(BATCH_ABI_VERSION);
        if (abi != ABI_VERSION) {
            throw new IllegalStateException("batch ABI " + abi + ", Java expects " + ABI_VERSION);
        }
        int count = batch.getInt(BATCH_COUNT);
        Recent recent = new Recent();
        SocketView socket = new SocketView(batch, resolver, recent);
        int at = BATCH_SIZE;
        for (int i = 0; i < count && at < used; i++) {
            int size = batch.getInt(at + SIZE);
            int family = Short.toUnsignedInt(batch.getShort(at + FAMILY));
            int minimum = switch (family) {
                case FAMILY_CGROUP -> CGROUP_RECORD_SIZE;
                case FAMILY_SOCKET -> SocketRecordLayout.RECORD_SIZE;
                case FAMILY_FILE -> FileRecordLayout.RECORD_SIZE;
                case FAMILY_WRITE -> WriteRecordLayout.RECORD_SIZE;
                default -> RECORD_SIZE;
            };
            if (size < minimum || at + size > used) {
                throw new IllegalStateException("malformed record at " + at + " (size " + size + ")");
            }
            switch (family) {
                case FAMILY_PROCESS -> sink.process(process(batch, at, resolver, recent));
                case FAMILY_SOCKET -> sink.socket(socket.at(at));
                case FAMILY_FILE -> sink.file(file(batch, at, resolver, recent));
                case FAMILY_WRITE -> sink.write(write(batch, at, resolver, recent));
                case FAMILY_CGROUP -> sink.cgroup(new CgroupName(batch.getLong(at + CGROUP_ID_OF_NAME),
                        batch.getInt(at + CGROUP_HIERARCHY),
                        bytes(batch, at + CGROUP_RECORD_SIZE, Short.toUnsignedInt(batch.getShort(at + CGROUP_PATH_LEN)))));
                default -> { } // a family this version does not know
            }
            at += size;
        }
        return count;
    }

    private static WriteEvent write(ByteBuffer b, int at, CgroupResolver resolver, Recent recent) {
        long cgroupId = b.getLong(at + WriteRecordLayout.CGROUP_ID);
        long cgroupV1Id = b.getLong(at + WriteRecordLayout.CGROUP_V1_ID);
        return new WriteEvent(
                Short.toUnsignedInt(b.getShort(at + OP)),
                b.getLong(at + KTIME_NS),
                b.getLong(at + UNIX_NS),
                cgroupId,
                cgroupV1Id,
                b.getLong(at + WriteRecordLayout.INO),
                b.getLong(at + WriteRecordLayout.OFFSET),
                b.getLong(at + WriteRecordLayout.BYTES),
                b.getInt(at + WriteRecordLayout.DEV),
                b.getInt(at + WriteRecordLayout.PID),
                b.getInt(at + WriteRecordLayout.TID),
                b.getInt(at + WriteRecordLayout.PPID),
                b.getInt(at + WriteRecordLayout.UID),
                b.getInt(at + WriteRecordLayout.GID),
                b.getInt(at + WriteRecordLayout.PID_NS),
                b.getInt(at + WriteRecordLayout.NS_PID),
                b.getInt(at + WriteRecordLayout.FD),
                recent.comm(b, at + WriteRecordLayout.COMM),
                resolver.contextOf(cgroupId, cgroupV1Id));
    }

    private static FileEvent file(ByteBuffer b, int at, CgroupResolver resolver, Recent recent) {
        int var = at + FileRecordLayout.RECORD_SIZE;
        int side0 = at + FileRecordLayout.SIDES;
        FileEvent.Side first = recent.side(b, side0, var);
        var += sideBytes(b, side0);
        FileEvent.Side second = recent.side(b, side0 + FileRecordLayout.SIDE_SIZE, var);
        if (second == first && first != FileEvent.Side.NONE) {
            // FIM tells the sides of one record apart by identity: equal ones stay two objects.
            second = side(b, side0 + FileRecordLayout.SIDE_SIZE, var);
        }
        long cgroupId = b.getLong(at + FileRecordLayout.CGROUP_ID);
        long cgroupV1Id = b.getLong(at + FileRecordLayout.CGROUP_V1_ID);
        return new FileEvent(
                Short.toUnsignedInt(b.getShort(at + OP)),
                b.getLong(at + KTIME_NS),
                b.getLong(at + UNIX_NS),
                cgroupId,
                cgroupV1Id,
                b.getLong(at + FileRecordLayout.INO),
                b.getLong(at + FileRecordLayout.SIZE_BYTES),
                b.getLong(at + FileRecordLayout.ATIME_NS),
                b.getLong(at + FileRecordLayout.MTIME_NS),
                b.getLong(at + FileRecordLayout.CTIME_NS),
                b.getInt(at + FileRecordLayout.DEV),
                b.getInt(at + FileRecordLayout.MODE),
                b.getInt(at + FileRecordLayout.FILE_UID),
                b.getInt(at + FileRecordLayout.FILE_GID),
                b.getInt(at + FileRecordLayout.PID),
                b.getInt(at + FileRecordLayout.TID),
                b.getInt(at + FileRecordLayout.PPID),
                b.getInt(at + FileRecordLayout.UID),
                b.getInt(at + FileRecordLayout.GID),
                b.getInt(at + FileRecordLayout.EUID),
                b.getInt(at + FileRecordLayout.EGID),
                b.getInt(at + FileRecordLayout.AUID),
                b.getInt(at + FileRecordLayout.PID_NS),
                b.getInt(at + FileRecordLayout.NS_PID),
                b.getInt(at + FileRecordLayout.RET),
                b.getInt(at + FileRecordLayout.FD),
                b.getInt(at + FileRecordLayout.OPEN_FLAGS),
                b.getInt(at + FileRecordLayout.F_MODE),
                Short.toUnsignedInt(b.getShort(at + FileRecordLayout.SYSCALL)),
                Short.toUnsignedInt(b.getShort(at + FileRecordLayout.FLAGS)),
                first, second,
                recent.comm(b, at + FileRecordLayout.COMM),
                resolver.contextOf(cgroupId, cgroupV1Id));
    }

    /** One side of a file record whose variable part starts at {@code var}. */
    private static FileEvent.Side side(ByteBuffer b, int side, int var) {
        int pathLen = Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_PATH_LEN));
        int nameLen = Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_NAME_LEN));
        int levelsLen = Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_LEVELS_LEN));
        int flags = Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_FLAGS));
        long rootIno = b.getLong(side + FileRecordLayout.SIDE_ROOT_INO);
        if (pathLen == 0 && nameLen == 0 && flags == 0 && rootIno == 0) {
            return FileEvent.Side.NONE;
        }
        return new FileEvent.Side(rootIno,
                b.getInt(side + FileRecordLayout.SIDE_ROOT_DEV),
                Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_DEPTH)),
                Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_NAME_SKIP)),
                bytes(b, var, pathLen), bytes(b, var + pathLen, nameLen), flags,
                bytes(b, var + pathLen + nameLen, levelsLen));
    }

    /** Bytes a side takes in the record's variable part. */
    private static int sideBytes(ByteBuffer b, int side) {
        return Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_PATH_LEN))
                + Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_NAME_LEN))
                + Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_LEVELS_LEN));
    }

    private static ProcessEvent process(ByteBuffer b, int at, CgroupResolver resolver, Recent recent) {
        int pathLen = Short.toUnsignedInt(b.getShort(at + PATH_LEN));
        int cwdLen = Short.toUnsignedInt(b.getShort(at + CWD_LEN));
        int filenameLen = Short.toUnsignedInt(b.getShort(at + FILENAME_LEN));
        int argvLen = b.getInt(at + ARGV_LEN);
        int var = at + RECORD_SIZE;
        byte[] path = bytes(b, var, pathLen);
        byte[] cwd = bytes(b, var += pathLen, cwdLen);
        byte[] filename = bytes(b, var += cwdLen, filenameLen);
        byte[] argv = bytes(b, var + filenameLen, argvLen);
        long cgroupId = b.getLong(at + CGROUP_ID);
        long cgroupV1Id = b.getLong(at + CGROUP_V1_ID);
        return new ProcessEvent(
                Short.toUnsignedInt(b.getShort(at + OP)),
                b.getLong(at + KTIME_NS),
                b.getLong(at + UNIX_NS),
                cgroupId,
                b.getLong(at + DURATION_NS),
                b.getLong(at + START_NS),
                b.getInt(at + PID),
                b.getInt(at + TID),
                b.getInt(at + PPID),
                b.getInt(at + UID),
                b.getInt(at + GID),
                b.getInt(at + EUID),
                b.getInt(at + EGID),
                b.getInt(at + SUID),
                b.getInt(at + SGID),
                b.getInt(at + FSUID),
                b.getInt(at + FSGID),
                b.getInt(at + AUID),
                b.getInt(at + EXIT_CODE),
                b.getInt(at + EXIT_SIGNAL),
                Integer.toUnsignedLong(b.getInt(at + ARGV_TRUE_LEN)),
                Short.toUnsignedInt(b.getShort(at + FLAGS)),
                Short.toUnsignedInt(b.getShort(at + ARGC)),
                recent.comm(b, at + COMM),
                path, cwd, filename, argv,
                cgroupV1Id,
                b.getInt(at + PID_NS),
                b.getInt(at + NS_PID),
                resolver.contextOf(cgroupId, cgroupV1Id));
    }

    /** A socket record where it lies in the batch: its row is built only once it is complete. */
    private static final class SocketView implements SocketRecord {
        private final ByteBuffer b;
        private final CgroupResolver resolver;
        private final Recent recent;
        private int at;

        SocketView(ByteBuffer b, CgroupResolver resolver, Recent recent) {
            this.b = b;
            this.resolver = resolver;
            this.recent = recent;
        }

        SocketView at(int record) {
            at = record;
            return this;
        }

        @Override
        public int op() {
            return Short.toUnsignedInt(b.getShort(at + OP));
        }

        @Override
        public long kernelNanos() {
            return b.getLong(at + KTIME_NS);
        }

        @Override
        public long sockId() {
            return b.getLong(at + SocketRecordLayout.SOCK_ID);
        }

        @Override
        public int pid() {
            return b.getInt(at + SocketRecordLayout.PID);
        }

        @Override
        public int ret() {
            return b.getInt(at + SocketRecordLayout.RET);
        }

        @Override
        public int localPort() {
            return Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.LOCAL_PORT));
        }

        @Override
        public SocketEvent completed(byte[] path, byte[] argv, long lifetime, int port) {
            int localPathLen = Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.LOCAL_PATH_LEN));
            int remotePathLen = Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.REMOTE_PATH_LEN));
            int var = at + SocketRecordLayout.RECORD_SIZE;
            long cgroupId = b.getLong(at + SocketRecordLayout.CGROUP_ID);
            long cgroupV1Id = b.getLong(at + SocketRecordLayout.CGROUP_V1_ID);
            return new SocketEvent(
                    op(),
                    kernelNanos(),
                    b.getLong(at + UNIX_NS),
                    cgroupId,
                    cgroupV1Id,
                    b.getLong(at + SocketRecordLayout.DURATION_NS),
                    b.getLong(at + SocketRecordLayout.BYTES_SENT),
                    b.getLong(at + SocketRecordLayout.BYTES_RECEIVED),
                    SocketRecord.completedLifetime(lifetime, b.getLong(at + SocketRecordLayout.LIFETIME_NS)),
                    sockId(),
                    pid(),
                    b.getInt(at + SocketRecordLayout.TID),
                    b.getInt(at + SocketRecordLayout.PPID),
                    b.getInt(at + SocketRecordLayout.UID),
                    b.getInt(at + SocketRecordLayout.GID),
                    ret(),
                    b.getInt(at + SocketRecordLayout.FD),
                    b.getInt(at + SocketRecordLayout.NETNS),
                    b.getInt(at + SocketRecordLayout.PID_NS),
                    b.getInt(at + SocketRecordLayout.NS_PID),
                    Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.FAMILY)),
                    Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.TYPE)),
                    Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.PROTOCOL)),
                    SocketRecord.completedFlags(lifetime,
                            Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.FLAGS))),
                    port,
                    Short.toUnsignedInt(b.getShort(at + SocketRecordLayout.REMOTE_PORT)),
                    recent.address(b, at + SocketRecordLayout.LOCAL_ADDR),
                    recent.address(b, at + SocketRecordLayout.REMOTE_ADDR),
                    recent.comm(b, at + SocketRecordLayout.COMM),
                    bytes(b, var, localPathLen),
                    bytes(b, var + localPathLen, remotePathLen),
                    resolver.contextOf(cgroupId, cgroupV1Id), path, argv);
        }
    }

    private static byte[] bytes(ByteBuffer b, int at, int len) {
        if (len == 0) {
            return NO_BYTES; // most names and levels are empty: no array each
        }
        byte[] out = new byte[len];
        b.get(at, out);
        return out;
    }

    /**
     * What this batch decoded lately, to be handed out again: events come in runs from one
     * process (one comm array for the run), on a few files (one Side per file and batch) and
     * between a few addresses (one array per address and batch). Less to allocate, and less
     * for the store to hold, which is what the GC copies.
     */
    private static final class Recent {
        private static final int SIDE_SLOT_BITS = 8;
        private static final long GOLDEN = 0x9E3779B97F4A7C15L;
        private static final int ADDRESS_SLOTS = 64; // a power of two
        private byte[] lastComm;
        private long lastCommHead;
        private long lastCommTail;
        /** A side's variable part, copied out to be compared in bulk (grown as needed). */
        private byte[] sideBytes = new byte[256];
        private final FileEvent.Side[] sides = new FileEvent.Side[1 << SIDE_SLOT_BITS];
        private final byte[][] addresses = new byte[ADDRESS_SLOTS][];
        private final long[] addressHighs = new long[ADDRESS_SLOTS];
        private final long[] addressLows = new long[ADDRESS_SLOTS];

        /** The socket address at {@code at}: a recent equal array, or a new one. */
        byte[] address(ByteBuffer b, int at) {
            long high = b.getLong(at);
            long low = b.getLong(at + 8);
            int slot = (int) (((high ^ Long.rotateLeft(low, 17)) * GOLDEN) >>> 58);
            byte[] known = addresses[slot];
            if (known != null && addressHighs[slot] == high && addressLows[slot] == low) {
                return known;
            }
            byte[] decoded = bytes(b, at, SocketRecordLayout.ADDR_LEN);
            addresses[slot] = decoded;
            addressHighs[slot] = high;
            addressLows[slot] = low;
            return decoded;
        }

        /** The comm at {@code at} (16 bytes, NUL-ended): the last one when all 16 bytes match. */
        byte[] comm(ByteBuffer b, int at) {
            long head = b.getLong(at);
            long tail = b.getLong(at + 8);
            if (head == lastCommHead && tail == lastCommTail && lastComm != null) {
                return lastComm;
            }
            int len = 0;
            while (len < COMM_LEN && b.get(at + len) != 0) {
                len++;
            }
            lastComm = bytes(b, at, len);
            lastCommHead = head;
            lastCommTail = tail;
            return lastComm;
        }

        /** The side at {@code side} (variable part at {@code var}): a recent equal one, or a new one. */
        FileEvent.Side side(ByteBuffer b, int side, int var) {
            int pathLen = Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_PATH_LEN));
            int nameLen = Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_NAME_LEN));
            int levelsLen = Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_LEVELS_LEN));
            long rootIno = b.getLong(side + FileRecordLayout.SIDE_ROOT_INO);
            int len = pathLen + nameLen + levelsLen;
            // Eight bytes a step: hashing and comparing byte by byte was a sixth of W1's decoding.
            long hash = rootIno * GOLDEN;
            int i = 0;
            for (; i + 8 <= len; i += 8) {
                hash = (hash ^ b.getLong(var + i)) * GOLDEN;
            }
            for (; i < len; i++) {
                hash = (hash ^ b.get(var + i)) * GOLDEN;
            }
            int slot = (int) (hash >>> (64 - SIDE_SLOT_BITS));
            FileEvent.Side known = sides[slot];
            if (known != null && known.rootIno() == rootIno
                    && known.rootDev() == b.getInt(side + FileRecordLayout.SIDE_ROOT_DEV)
                    && known.depth() == Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_DEPTH))
                    && known.nameSkip() == Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_NAME_SKIP))
                    && known.flags() == Short.toUnsignedInt(b.getShort(side + FileRecordLayout.SIDE_FLAGS))
                    && known.path().length == pathLen && known.name().length == nameLen
                    && known.levels().length == levelsLen) {
                if (sideBytes.length < len) {
                    sideBytes = new byte[len];
                }
                b.get(var, sideBytes, 0, len);
                if (Arrays.equals(known.path(), 0, pathLen, sideBytes, 0, pathLen)
                        && Arrays.equals(known.name(), 0, nameLen, sideBytes, pathLen, pathLen + nameLen)
                        && Arrays.equals(known.levels(), 0, levelsLen, sideBytes, pathLen + nameLen, len)) {
                    return known;
                }
            }
            FileEvent.Side decoded = BatchReader.side(b, side, var);
            if (decoded != FileEvent.Side.NONE) {
                sides[slot] = decoded;
            }
            return decoded;
        }
    }
}
