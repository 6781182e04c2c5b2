package io.vajra.bpf;

/**
 * Java's mirror of struct vj_file and struct vj_file_side in bpf/events.h (family 4).
 * Checked against native's offsetof values by {@code ProcessRecordLayoutTest}.
 *
 * <pre>
 * 0 vj_header(24) | 24 cgroup_id | 32 cgroup_v1_id | 40 ino | 48 size | 56 atime_ns
 * 64 mtime_ns | 72 ctime_ns | 80 dev 84 mode 88 file_uid 92 file_gid 96 pid 100 tid
 * 104 ppid 108 uid 112 gid 116 euid 120 egid 124 auid 128 pid_ns 132 ns_pid 136 ret 140 fd
 * 144 open_flags 148 f_mode | 152 syscall 154 flags (u16) | 160 side[2] (24 each) | 208 comm[16]
 * 224 per side: path | name | levels, then pad
 * side: 0 root_ino | 8 root_dev 12 depth(u16) 14 name_skip 16 path_len 18 name_len 20 flags 22 levels_len
 * </pre>
 */
public final class FileRecordLayout {
    private FileRecordLayout() {}

    public static final int RECORD_SIZE = 224;
    public static final int CGROUP_ID = 24;
    public static final int CGROUP_V1_ID = 32;
    public static final int INO = 40;
    public static final int SIZE_BYTES = 48;
    public static final int ATIME_NS = 56;
    public static final int MTIME_NS = 64;
    public static final int CTIME_NS = 72;
    public static final int DEV = 80;
    public static final int MODE = 84;
    public static final int FILE_UID = 88;
    public static final int FILE_GID = 92;
    public static final int PID = 96;
    public static final int TID = 100;
    public static final int PPID = 104;
    public static final int UID = 108;
    public static final int GID = 112;
    public static final int EUID = 116;
    public static final int EGID = 120;
    public static final int AUID = 124;
    public static final int PID_NS = 128;
    public static final int NS_PID = 132;
    public static final int RET = 136;
    public static final int FD = 140;
    public static final int OPEN_FLAGS = 144;
    public static final int F_MODE = 148;
    public static final int SYSCALL = 152;
    public static final int FLAGS = 154;
    public static final int SIDES = 160;
    public static final int COMM = 208;

    public static final int SIDE_SIZE = 24;
    public static final int SIDE_ROOT_INO = 0;
    public static final int SIDE_ROOT_DEV = 8;
    public static final int SIDE_DEPTH = 12;
    public static final int SIDE_NAME_SKIP = 14;
    public static final int SIDE_PATH_LEN = 16;
    public static final int SIDE_NAME_LEN = 18;
    public static final int SIDE_FLAGS = 20;
    public static final int SIDE_LEVELS_LEN = 22;

    /** Offsets in the order native's layoutFacts() reports them, after the socket facts. */
    static final int[] FACTS = {
        RECORD_SIZE, CGROUP_ID, CGROUP_V1_ID, INO, SIZE_BYTES, ATIME_NS, MTIME_NS, CTIME_NS, DEV, MODE,
        FILE_UID, FILE_GID, PID, TID, PPID, UID, GID, EUID, EGID, AUID, PID_NS, NS_PID, RET, FD, OPEN_FLAGS,
        F_MODE, SYSCALL, FLAGS, SIDES, COMM,
        SIDE_SIZE, SIDE_ROOT_INO, SIDE_ROOT_DEV, SIDE_DEPTH, SIDE_NAME_SKIP, SIDE_PATH_LEN, SIDE_NAME_LEN,
        SIDE_FLAGS, SIDE_LEVELS_LEN,
    };

    // enum vj_file_op
    public static final int OP_CREATED = 1;
    public static final int OP_UPDATED = 2;
    public static final int OP_DELETED = 3;
    public static final int OP_MOVED = 4;
    public static final int OP_ATTRIB = 5;
    public static final int OP_OPENED = 6;
    public static final int OP_ACCESSED = 7;

    // enum vj_file_flag
    public static final int FLAG_HAS_INODE = 1;
    public static final int FLAG_CREATED = 1 << 1;
    public static final int FLAG_TRUNCATED = 1 << 2;
    public static final int FLAG_LAST_CLOSE = 1 << 3;

    // enum vj_side_flag
    public static final int SIDE_WATCHED = 1;
    public static final int SIDE_PATH_TRUNCATED = 1 << 1;
    public static final int SIDE_PATH_FAULT = 1 << 2;
    public static final int SIDE_PATH_DELETED = 1 << 3;
    public static final int SIDE_NAME_FAULT = 1 << 4;
    public static final int SIDE_ROOT_BY_NAME = 1 << 5;
    public static final int SIDE_NAME_RAW = 1 << 6;
    /** levels holds the names between the target (fd) or base directory (name) and the root. */
    public static final int SIDE_LEVELS = 1 << 7;

    /** vj_file.syscall of a close done by the process exiting. */
    public static final int SYSCALL_BY_EXIT = 0xffff;

    // enum vj_root_flag
    public static final int ROOT_RECURSIVE = 1;
    public static final int ROOT_ACCESSES = 1 << 1;

    /** FNV-1a, 32 bits, as the kernel filter hashes a name (VJ_FNV_OFFSET, VJ_FNV_PRIME). */
    public static int nameHash(byte[] name) {
        int hash = 0x811c9dc5;
        for (byte b : name) {
            hash = (hash ^ (b & 0xff)) * 16777619;
        }
        return hash;
    }
}
