package io.vajra.bpf;

/**
 * Java's mirror of the batch layout in bpf/events.h. Every offset the decoder reads is
 * defined here and nowhere else; {@code ProcessRecordLayoutTest} checks each one against
 * the sizeof/offsetof values the native library was compiled with.
 *
 * <pre>
 * batch:  | vj_batch (16) | record | record | ... |        records are 8-byte aligned
 *
 * record: 0        4       6      8           16          24
 *         | size   | family| op   | ktime_ns  | unix_ns   |  vj_header
 *         24 cgroup_id  32 duration_ns  40 start_ns
 *         48 pid tid ppid uid gid euid egid suid sgid fsuid fsgid auid   (12 x u32)
 *         96 exit_code  100 exit_signal  104 argv_true_len
 *        108 flags(u16) 110 argc(u16) 112 path_len 114 cwd_len 116 filename_len 118 reserved
 *        120 argv_len(u32)  124 comm[16]  140 pid_ns  144 cgroup_v1_id  152 ns_pid  156 pad
 *        160 path | cwd | filename | argv | pad to 8
 *
 * cgroup name record (family 2): vj_header | 24 id | 32 hierarchy | 36 path_len(u16)
 *        | 38 flags(u16) | 40 path | pad to 8
 * </pre>
 */
public final class ProcessRecordLayout {
    private ProcessRecordLayout() {}

    public static final int ABI_VERSION = 4;

    // struct vj_batch
    public static final int BATCH_SIZE = 16;
    public static final int BATCH_ABI_VERSION = 0;
    public static final int BATCH_COUNT = 4;
    public static final int BATCH_USED = 8;

    // struct vj_header
    public static final int HEADER_SIZE = 24;
    public static final int SIZE = 0;
    public static final int FAMILY = 4;
    public static final int OP = 6;
    public static final int KTIME_NS = 8;
    public static final int UNIX_NS = 16;

    // struct vj_process
    public static final int RECORD_SIZE = 160;
    public static final int CGROUP_ID = 24;
    public static final int DURATION_NS = 32;
    public static final int START_NS = 40;
    public static final int PID = 48;
    public static final int TID = 52;
    public static final int PPID = 56;
    public static final int UID = 60;
    public static final int GID = 64;
    public static final int EUID = 68;
    public static final int EGID = 72;
    public static final int SUID = 76;
    public static final int SGID = 80;
    public static final int FSUID = 84;
    public static final int FSGID = 88;
    public static final int AUID = 92;
    public static final int EXIT_CODE = 96;
    public static final int EXIT_SIGNAL = 100;
    public static final int ARGV_TRUE_LEN = 104;
    public static final int FLAGS = 108;
    public static final int ARGC = 110;
    public static final int PATH_LEN = 112;
    public static final int CWD_LEN = 114;
    public static final int FILENAME_LEN = 116;
    public static final int ARGV_LEN = 120;
    public static final int COMM = 124;
    public static final int COMM_LEN = 16;
    public static final int PID_NS = 140;
    public static final int CGROUP_V1_ID = 144;
    public static final int NS_PID = 152;

    // struct vj_cgroup
    public static final int CGROUP_RECORD_SIZE = 40;
    public static final int CGROUP_ID_OF_NAME = 24;
    public static final int CGROUP_HIERARCHY = 32;
    public static final int CGROUP_PATH_LEN = 36;
    public static final int CGROUP_FLAGS = 38;

    /** Offsets in the order native's layoutFacts() reports them. */
    static final int[] FACTS = {
        BATCH_SIZE, BATCH_COUNT, BATCH_USED,
        HEADER_SIZE, SIZE, FAMILY, OP, KTIME_NS, UNIX_NS,
        RECORD_SIZE, CGROUP_ID, DURATION_NS, START_NS, PID, TID, PPID, UID, GID, EUID, EGID,
        SUID, SGID, FSUID, FSGID, AUID, EXIT_CODE, EXIT_SIGNAL, ARGV_TRUE_LEN, FLAGS, ARGC,
        PATH_LEN, CWD_LEN, FILENAME_LEN, ARGV_LEN, COMM, COMM_LEN, PID_NS, CGROUP_V1_ID, NS_PID,
        CGROUP_RECORD_SIZE, CGROUP_ID_OF_NAME, CGROUP_HIERARCHY, CGROUP_PATH_LEN, CGROUP_FLAGS,
        ABI_VERSION,
    };

    // enum vj_family
    public static final int FAMILY_PROCESS = 1;
    public static final int FAMILY_CGROUP = 2;
    public static final int FAMILY_SOCKET = 3;
    public static final int FAMILY_FILE = 4;
    public static final int FAMILY_WRITE = 5;

    // enum vj_process_op
    public static final int OP_EXECVE = 1;
    public static final int OP_EXECVEAT = 2;
    public static final int OP_FORK = 3;
    public static final int OP_VFORK = 4;
    public static final int OP_CLONE = 5;
    public static final int OP_CLONE3 = 6;
    public static final int OP_EXIT = 7;
    public static final int OP_SNAPSHOT = 8;

    // enum vj_process_flag
    public static final int FLAG_ARGV_TRUNCATED = 1;
    public static final int FLAG_PATH_TRUNCATED = 1 << 1;
    public static final int FLAG_CWD_TRUNCATED = 1 << 2;
    public static final int FLAG_ARGV_FAULT = 1 << 3;
    public static final int FLAG_PATH_FAULT = 1 << 4;
    public static final int FLAG_CWD_FAULT = 1 << 5;
    public static final int FLAG_CWD_DELETED = 1 << 6;
    public static final int FLAG_PATH_AS_GIVEN = 1 << 7;
    public static final int FLAG_PATH_DELETED = 1 << 8;
    /** Any of these means some buffer could not be captured (osquery's probe_error). */
    public static final int FAULT_FLAGS = FLAG_ARGV_FAULT | FLAG_PATH_FAULT | FLAG_CWD_FAULT;

    public static boolean isExec(int op) {
        return op == OP_EXECVE || op == OP_EXECVEAT;
    }

    public static boolean isFork(int op) {
        return op >= OP_FORK && op <= OP_CLONE3;
    }
}
