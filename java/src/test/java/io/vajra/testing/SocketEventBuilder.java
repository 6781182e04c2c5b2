package io.vajra.testing;

import io.vajra.bpf.ProcessRecordLayout;
import io.vajra.bpf.SocketRecordLayout;
import io.vajra.container.CgroupContext;
import io.vajra.event.SocketEvent;
import java.nio.charset.StandardCharsets;

/**
 * Builds SocketEvents for unit tests; defaults describe a successful blocking TCP connect by
 * root's curl (pid 100, fd 3) from 127.0.0.1:40000 to 127.0.0.1:8080.
 */
public final class SocketEventBuilder {
    public static final long BOOT_TO_UNIX = ProcessEventBuilder.BOOT_TO_UNIX;

    private int op = SocketRecordLayout.OP_CONNECT;
    private long kernelNanos = 5_000_000_000L;
    private long unixNanos = BOOT_TO_UNIX + 5_000_000_000L;
    private long cgroupId = 4242;
    private long durationNanos = 2000;
    private long bytesSent;
    private long bytesReceived;
    private long lifetimeNanos;
    private long sockId;
    private int pid = 100;
    private int tid = 100;
    private int ppid = 1;
    private int uid;
    private int gid;
    private int ret;
    private int fd = 3;
    private int netns = (int) 4026531840L;
    private int pidNs = (int) 4026531836L;
    private int nsPid = 100;
    private int family = SocketRecordLayout.AF_INET;
    private int type = 1; // SOCK_STREAM
    private int protocol = 6; // TCP
    private int flags;
    private int localPort = 40000;
    private int remotePort = 8080;
    private byte[] localAddress = ipv4(127, 0, 0, 1);
    private byte[] remoteAddress = ipv4(127, 0, 0, 1);
    private byte[] comm = padded("curl");
    private byte[] localPath = new byte[0];
    private byte[] remotePath = new byte[0];
    private CgroupContext cgroup = new CgroupContext("/", "", "", "");
    private byte[] processPath = bytes("/usr/bin/curl");
    private byte[] processArgv = bytes("curl\0http://127.0.0.1:8080/a b\0");

    public static SocketEventBuilder connect() {
        return new SocketEventBuilder();
    }

    public static SocketEventBuilder of(int op) {
        return new SocketEventBuilder().op(op);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** An IPv4 address in the first 4 of 16 bytes, as the kernel side sends it. */
    public static byte[] ipv4(int a, int b, int c, int d) {
        byte[] out = new byte[SocketRecordLayout.ADDR_LEN];
        out[0] = (byte) a;
        out[1] = (byte) b;
        out[2] = (byte) c;
        out[3] = (byte) d;
        return out;
    }

    /** An IPv6 address from its eight 16-bit groups. */
    public static byte[] ipv6(int... groups) {
        if (groups.length != 8) {
            throw new IllegalArgumentException("8 groups");
        }
        byte[] out = new byte[SocketRecordLayout.ADDR_LEN];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (groups[i] >>> 8);
            out[2 * i + 1] = (byte) groups[i];
        }
        return out;
    }

    private static byte[] padded(String s) {
        byte[] out = new byte[ProcessRecordLayout.COMM_LEN];
        byte[] in = bytes(s);
        System.arraycopy(in, 0, out, 0, Math.min(in.length, out.length - 1));
        return out;
    }

    public SocketEventBuilder op(int value) {
        op = value;
        return this;
    }

    public SocketEventBuilder atBootNanos(long value) {
        kernelNanos = value;
        unixNanos = BOOT_TO_UNIX + value;
        return this;
    }

    public SocketEventBuilder unixNanos(long value) {
        unixNanos = value;
        return this;
    }

    public SocketEventBuilder pid(int value) {
        pid = value;
        tid = value;
        return this;
    }

    public SocketEventBuilder tid(int value) {
        tid = value;
        return this;
    }

    public SocketEventBuilder uid(int value) {
        uid = value;
        return this;
    }

    public SocketEventBuilder ret(int value) {
        ret = value;
        return this;
    }

    public SocketEventBuilder fd(int value) {
        fd = value;
        return this;
    }

    public SocketEventBuilder duration(long value) {
        durationNanos = value;
        return this;
    }

    public SocketEventBuilder netns(int value) {
        netns = value;
        return this;
    }

    /** family, type, protocol */
    public SocketEventBuilder socket(int familyValue, int typeValue, int protocolValue) {
        family = familyValue;
        type = typeValue;
        protocol = protocolValue;
        return this;
    }

    public SocketEventBuilder flags(int value) {
        flags = value;
        return this;
    }

    public SocketEventBuilder local(byte[] address, int port) {
        localAddress = address;
        localPort = port;
        return this;
    }

    public SocketEventBuilder remote(byte[] address, int port) {
        remoteAddress = address;
        remotePort = port;
        return this;
    }

    /** A UNIX socket: family AF_UNIX, no IP addresses, the names given (raw bytes). */
    public SocketEventBuilder unix(int typeValue, byte[] local, byte[] remote) {
        family = SocketRecordLayout.AF_UNIX;
        type = typeValue;
        protocol = 0;
        localAddress = new byte[SocketRecordLayout.ADDR_LEN];
        remoteAddress = new byte[SocketRecordLayout.ADDR_LEN];
        localPort = 0;
        remotePort = 0;
        localPath = local;
        remotePath = remote;
        return this;
    }

    public SocketEventBuilder bytes(long sent, long received) {
        bytesSent = sent;
        bytesReceived = received;
        flags |= SocketRecordLayout.FLAG_HAS_BYTES;
        return this;
    }

    public SocketEventBuilder lifetime(long nanos) {
        lifetimeNanos = nanos;
        flags |= SocketRecordLayout.FLAG_HAS_LIFETIME;
        return this;
    }

    public SocketEventBuilder sock(long id) {
        sockId = id;
        return this;
    }

    public SocketEventBuilder process(String path, byte[] argv) {
        processPath = bytes(path);
        processArgv = argv;
        return this;
    }

    public SocketEventBuilder cgroup(CgroupContext value) {
        cgroup = value;
        return this;
    }

    public SocketEventBuilder pidNamespace(int ns, int pidInside) {
        pidNs = ns;
        nsPid = pidInside;
        return this;
    }

    public SocketEvent build() {
        return new SocketEvent(op, kernelNanos, unixNanos, cgroupId, 0L, durationNanos, bytesSent, bytesReceived,
                lifetimeNanos, sockId, pid, tid, ppid, uid, gid, ret, fd, netns, pidNs, nsPid, family, type, protocol, flags,
                localPort, remotePort, localAddress, remoteAddress, comm, localPath, remotePath, cgroup,
                processPath, processArgv);
    }
}
