package io.vajra.bpf;

/**
 * Java's mirror of struct vj_socket in bpf/events.h (family 3). Checked against native's
 * offsetof values by {@code ProcessRecordLayoutTest}, like the process layout.
 *
 * <pre>
 * 0 vj_header(24) | 24 cgroup_id | 32 cgroup_v1_id | 40 duration_ns | 48 bytes_sent
 * 56 bytes_received | 64 lifetime_ns | 72 pid 76 tid 80 ppid 84 uid 88 gid 92 ret 96 fd
 * 100 netns 104 pid_ns 108 ns_pid | 112 family 114 type 116 protocol 118 flags (u16)
 * 120 local_port 122 remote_port 124 local_path_len 126 remote_path_len (u16)
 * 128 local_addr[16] 144 remote_addr[16] 160 comm[16] | 176 sock_id | 184 local_path | remote_path | pad
 * </pre>
 */
public final class SocketRecordLayout {
    private SocketRecordLayout() {}

    public static final int RECORD_SIZE = 184;
    public static final int CGROUP_ID = 24;
    public static final int CGROUP_V1_ID = 32;
    public static final int DURATION_NS = 40;
    public static final int BYTES_SENT = 48;
    public static final int BYTES_RECEIVED = 56;
    public static final int LIFETIME_NS = 64;
    public static final int PID = 72;
    public static final int TID = 76;
    public static final int PPID = 80;
    public static final int UID = 84;
    public static final int GID = 88;
    public static final int RET = 92;
    public static final int FD = 96;
    public static final int NETNS = 100;
    public static final int PID_NS = 104;
    public static final int NS_PID = 108;
    public static final int FAMILY = 112;
    public static final int TYPE = 114;
    public static final int PROTOCOL = 116;
    public static final int FLAGS = 118;
    public static final int LOCAL_PORT = 120;
    public static final int REMOTE_PORT = 122;
    public static final int LOCAL_PATH_LEN = 124;
    public static final int REMOTE_PATH_LEN = 126;
    public static final int LOCAL_ADDR = 128;
    public static final int REMOTE_ADDR = 144;
    public static final int COMM = 160;
    public static final int SOCK_ID = 176;
    public static final int ADDR_LEN = 16;

    /** Offsets in the order native's layoutFacts() reports them, after the process facts. */
    static final int[] FACTS = {
        RECORD_SIZE, CGROUP_ID, CGROUP_V1_ID, DURATION_NS, BYTES_SENT, BYTES_RECEIVED, LIFETIME_NS,
        PID, TID, PPID, UID, GID, RET, FD, NETNS, PID_NS, NS_PID, FAMILY, TYPE, PROTOCOL, FLAGS,
        LOCAL_PORT, REMOTE_PORT, LOCAL_PATH_LEN, REMOTE_PATH_LEN, LOCAL_ADDR, REMOTE_ADDR, COMM, SOCK_ID,
    };

    // enum vj_socket_op
    public static final int OP_SOCKET = 1;
    public static final int OP_BIND = 2;
    public static final int OP_LISTEN = 3;
    public static final int OP_CONNECT = 4;
    public static final int OP_ACCEPT = 5;
    public static final int OP_ACCEPT4 = 6;
    public static final int OP_CLOSE = 7;
    public static final int OP_SHUTDOWN = 8;
    public static final int OP_CONNECT_DONE = 9;

    // enum vj_socket_flag
    public static final int FLAG_NO_SOCKET = 1;
    public static final int FLAG_LOCAL_ABSTRACT = 1 << 1;
    public static final int FLAG_REMOTE_ABSTRACT = 1 << 2;
    public static final int FLAG_HAS_BYTES = 1 << 3;
    public static final int FLAG_HAS_LIFETIME = 1 << 4;
    /** close: the process exited holding the socket (no close call; TCP only); fd is -1. */
    public static final int FLAG_BY_EXIT = 1 << 5;

    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
}
