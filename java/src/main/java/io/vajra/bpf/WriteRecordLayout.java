package io.vajra.bpf;

/**
 * Java's mirror of struct vj_write in bpf/events.h (family 5): who wrote which bytes of a
 * file in a watched log directory. Fixed size. Checked against native's offsetof values by
 * {@code ProcessRecordLayoutTest}.
 *
 * <pre>
 * 0 vj_header(24, op = syscall number) | 24 cgroup_id | 32 cgroup_v1_id | 40 ino | 48 offset
 * 56 bytes | 64 dev 68 pid 72 tid 76 ppid 80 uid 84 gid 88 pid_ns 92 ns_pid 96 fd | 104 comm[16]
 * </pre>
 */
public final class WriteRecordLayout {
    private WriteRecordLayout() {}

    public static final int RECORD_SIZE = 120;
    public static final int CGROUP_ID = 24;
    public static final int CGROUP_V1_ID = 32;
    public static final int INO = 40;
    public static final int OFFSET = 48;
    public static final int BYTES = 56;
    public static final int DEV = 64;
    public static final int PID = 68;
    public static final int TID = 72;
    public static final int PPID = 76;
    public static final int UID = 80;
    public static final int GID = 84;
    public static final int PID_NS = 88;
    public static final int NS_PID = 92;
    public static final int FD = 96;
    public static final int COMM = 104;

    /** Offsets in the order native's layoutFacts() reports them, after the file facts. */
    static final int[] FACTS = {
        RECORD_SIZE, CGROUP_ID, CGROUP_V1_ID, INO, OFFSET, BYTES, DEV, PID, TID, PPID, UID, GID, PID_NS, NS_PID, FD,
        COMM,
    };
}
