package io.vajra.table;

import static io.vajra.table.ColumnOption.ADDITIONAL;
import static io.vajra.table.ColumnOption.HIDDEN;
import static io.vajra.table.ColumnOption.INDEX;

import io.vajra.bpf.SocketRecordLayout;
import io.vajra.container.ContainerNames;
import io.vajra.event.EventStore;
import io.vajra.event.SocketEvent;
import io.vajra.format.AddressText;
import io.vajra.format.Cmdline;
import io.vajra.format.Errno;
import io.vajra.format.RawText;
import java.util.List;

/**
 * {@code bpf_socket_events}: every column osquery 5's table had, same names and meaning, then
 * socket_events' {@code action} and {@code status} and Vajra's additions. One row per traced
 * syscall (socket, bind, listen, connect, accept, accept4, close, shutdown), one more when
 * a non-blocking connect finishes, and a close row (syscall "exit") for a TCP socket the
 * kernel closed because its process exited. Rows are formatted from the raw events when a query asks
 * for them; {@code eid}, {@code time} and {@code pid} constraints are pushed down exactly as
 * in {@link ProcessEventsTable}.
 */
public final class SocketEventsTable implements EventTable {
    public static final String NAME = "bpf_socket_events";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** The type bits of socket(2)'s type argument; SOCK_NONBLOCK and SOCK_CLOEXEC are above. */
    private static final int SOCK_TYPE_MASK = 0xf;
    private static final int EAGAIN = 11;
    private static final int EINPROGRESS = 115;

    private static final Schema SCHEMA = new Schema();
    // osquery 5's columns, in its order.
    private static final int TID = SCHEMA.add(Column.bigint("tid",
            "Thread id (the kernel's pid) of the thread that made the call"));
    private static final int PID = SCHEMA.add(Column.bigint(EventQuery.PID,
            "Process id (thread group id)", INDEX));
    private static final int PARENT = SCHEMA.add(Column.bigint("parent",
            "Process id of the real parent"));
    private static final int UID = SCHEMA.add(Column.bigint("uid", "Real user id"));
    private static final int GID = SCHEMA.add(Column.bigint("gid", "Real group id"));
    private static final int CID = SCHEMA.add(Column.bigint("cid",
            "Cgroup v2 id (64-bit; osquery's INTEGER was too narrow)"));
    private static final int EXIT_CODE = SCHEMA.add(Column.text("exit_code",
            "The syscall's return: the new fd (socket, accept), 0, or -errno; a finished non-blocking connect: 0 or -error"));
    private static final int PROBE_ERROR = SCHEMA.add(Column.integer("probe_error",
            "1 if the socket could not be read (family, type, protocol -1; no addresses)"));
    private static final int SYSCALL = SCHEMA.add(Column.text("syscall",
            "socket, bind, listen, connect, accept, accept4, close or shutdown; exit for a TCP socket its exiting process still held"));
    private static final int PATH = SCHEMA.add(Column.text("path",
            "The process's binary, empty when unknown"));
    private static final int FD = SCHEMA.add(Column.text("fd",
            "The socket's file descriptor (socket, accept: the new one); -1 when there is none"));
    private static final int FAMILY = SCHEMA.add(Column.integer("family",
            "Address family: 1 AF_UNIX, 2 AF_INET, 10 AF_INET6; -1 when unknown"));
    private static final int TYPE = SCHEMA.add(Column.integer("type",
            "Socket type: 1 SOCK_STREAM, 2 SOCK_DGRAM, 3 SOCK_RAW, 5 SOCK_SEQPACKET; -1 when unknown"));
    private static final int PROTOCOL = SCHEMA.add(Column.integer("protocol",
            "Protocol: 6 TCP, 17 UDP, 0 for UNIX sockets; -1 when unknown"));
    private static final int LOCAL_ADDRESS = SCHEMA.add(Column.text("local_address",
            "This end's address: IPv4 dotted, IPv6 per RFC 5952, UNIX path or @abstract name; empty when none"));
    private static final int REMOTE_ADDRESS = SCHEMA.add(Column.text("remote_address",
            "The peer's address, same forms; empty when none"));
    private static final int LOCAL_PORT = SCHEMA.add(Column.integer("local_port",
            "This end's port; 0 when none"));
    private static final int REMOTE_PORT = SCHEMA.add(Column.integer("remote_port",
            "The peer's port; 0 when none"));
    private static final int DURATION = SCHEMA.add(Column.bigint("duration",
            "Nanoseconds spent in the syscall; a finished non-blocking connect: since the connect call"));
    private static final int NTIME = SCHEMA.add(Column.text("ntime",
            "Kernel boot-time clock at the event, in nanoseconds, as text"));
    private static final int TIME = SCHEMA.add(Column.bigint(EventQuery.TIME,
            "UNIX time of the event, in seconds", HIDDEN, ADDITIONAL, INDEX));
    private static final int EID = SCHEMA.add(Column.bigint(EventTable.EID,
            "Event id: increases by one per event stored", HIDDEN, INDEX));
    // osquery socket_events' columns.
    private static final int ACTION = SCHEMA.add(Column.text("action",
            "socket, bind, listen, connect, accept, close or shutdown (accept4 is accept)"));
    private static final int STATUS = SCHEMA.add(Column.text("status",
            "succeeded, failed, in_progress (non-blocking connect started) or no_client (accept found none)"));
    // Vajra's additions.
    private static final int ERRNO = SCHEMA.add(Column.text("errno",
            "Name of the error when exit_code is negative (ECONNREFUSED, ...), else empty"));
    private static final int CMDLINE = SCHEMA.add(Column.text("cmdline",
            "The process's arguments joined by spaces, as in bpf_process_events; empty when unknown"));
    private static final int BYTES_SENT = SCHEMA.add(Column.bigint("bytes_sent",
            "TCP close and shutdown: data bytes sent, retransmissions included; NULL otherwise"));
    private static final int BYTES_RECEIVED = SCHEMA.add(Column.bigint("bytes_received",
            "TCP close and shutdown: data bytes received (the FIN not counted); NULL otherwise"));
    private static final int LIFETIME = SCHEMA.add(Column.bigint("lifetime",
            "close: nanoseconds since the socket was created or accepted; NULL when unknown"));
    private static final int NETNS = SCHEMA.add(Column.bigint("netns",
            "Inode number of the socket's network namespace"));
    private static final int COMM = SCHEMA.add(Column.text("comm",
            "Thread name (comm, at most 15 bytes)"));
    private static final int UPTIME = SCHEMA.add(Column.bigint("uptime",
            "Seconds since boot at the event"));
    // Where the process ran: cgroup, container, pod, pid namespace.
    private static final ContainerColumns CONTAINER = new ContainerColumns(SCHEMA);
    private static final List<Column> COLUMNS = SCHEMA.columns();

    private final EventStore<SocketEvent> store;
    private final ContainerNames containerNames;

    public SocketEventsTable(EventStore<SocketEvent> store) {
        this(store, ContainerNames.system());
    }

    /** @param containerNames where container names are looked up (at query time, cached) */
    public SocketEventsTable(EventStore<SocketEvent> store, ContainerNames containerNames) {
        this.store = store;
        this.containerNames = containerNames;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Column> columns() {
        return COLUMNS;
    }

    @Override
    public EventStore<SocketEvent> store() {
        return store;
    }

    @Override
    public SelectedRows select(QueryConstraints constraints) {
        boolean wantCmdline = constraints.isUsed(CMDLINE);
        return EventQuery.of(constraints).select(store, event -> true, SocketEvent::pid,
                (eid, event) -> row(eid, event, wantCmdline, containerNames));
    }

    private static Object[] row(long eid, SocketEvent e, boolean wantCmdline, ContainerNames names) {
        Object[] row = new Object[COLUMNS.size()];
        int flags = e.flags();
        boolean noSocket = (flags & SocketRecordLayout.FLAG_NO_SOCKET) != 0;
        row[TID] = unsigned(e.tid());
        row[PID] = unsigned(e.pid());
        row[PARENT] = unsigned(e.ppid());
        row[UID] = unsigned(e.uid());
        row[GID] = unsigned(e.gid());
        row[CID] = e.cgroupId();
        row[EXIT_CODE] = Integer.toString(e.ret());
        row[PROBE_ERROR] = noSocket ? 1L : 0L;
        boolean byExit = e.op() == SocketRecordLayout.OP_CLOSE && (flags & SocketRecordLayout.FLAG_BY_EXIT) != 0;
        // Closed by the kernel as its process exited: no close call; the row says what ended it.
        row[SYSCALL] = byExit ? "exit" : syscall(e.op());
        row[PATH] = RawText.decodeUntilNul(e.processPath());
        row[FD] = Integer.toString(e.fd());
        if (noSocket) {
            // What osquery reported when it had no socket data.
            row[FAMILY] = -1L;
            row[TYPE] = -1L;
            row[PROTOCOL] = -1L;
            row[LOCAL_ADDRESS] = "";
            row[REMOTE_ADDRESS] = "";
            row[LOCAL_PORT] = 0L;
            row[REMOTE_PORT] = 0L;
        } else {
            row[FAMILY] = (long) e.family();
            row[TYPE] = (long) (e.type() & SOCK_TYPE_MASK);
            row[PROTOCOL] = (long) e.protocol();
            row[LOCAL_ADDRESS] = address(e.family(), e.localAddress(), e.localPort(), e.localPath(),
                    (flags & SocketRecordLayout.FLAG_LOCAL_ABSTRACT) != 0);
            row[REMOTE_ADDRESS] = address(e.family(), e.remoteAddress(), e.remotePort(), e.remotePath(),
                    (flags & SocketRecordLayout.FLAG_REMOTE_ABSTRACT) != 0);
            row[LOCAL_PORT] = (long) e.localPort();
            row[REMOTE_PORT] = (long) e.remotePort();
        }
        row[DURATION] = e.durationNanos();
        row[NTIME] = Long.toUnsignedString(e.kernelNanos());
        row[TIME] = EventQuery.seconds(e.unixNanos());
        row[EID] = eid;
        row[ACTION] = action(e.op());
        row[STATUS] = status(e.op(), e.ret());
        row[ERRNO] = e.ret() < 0 ? Errno.name(-e.ret()) : "";
        row[CMDLINE] = wantCmdline ? Cmdline.quoted(e.processArgv()) : null;
        boolean hasBytes = (flags & SocketRecordLayout.FLAG_HAS_BYTES) != 0;
        row[BYTES_SENT] = hasBytes ? e.bytesSent() : null;
        row[BYTES_RECEIVED] = hasBytes ? e.bytesReceived() : null;
        row[LIFETIME] = (flags & SocketRecordLayout.FLAG_HAS_LIFETIME) != 0 ? e.lifetimeNanos() : null;
        row[NETNS] = unsigned(e.netns());
        row[COMM] = RawText.decodeUntilNul(e.comm());
        row[UPTIME] = Long.divideUnsigned(e.kernelNanos(), NANOS_PER_SECOND);
        CONTAINER.fill(row, e.cgroup(), names, e.pidNs(), e.nsPid());
        return row;
    }

    /**
     * One end's address as text. An IP end that is all zeros with port 0 is no address (a
     * socket not bound or not connected) and is empty; {@code 0.0.0.0} with a port is a
     * wildcard bind and is shown.
     */
    static String address(int family, byte[] address, int port, byte[] path, boolean abstractName) {
        switch (family) {
            case SocketRecordLayout.AF_INET:
                return port == 0 && isZero(address, 4) ? "" : AddressText.ipv4(address, 0);
            case SocketRecordLayout.AF_INET6:
                return port == 0 && isZero(address, 16) ? "" : AddressText.ipv6(address);
            case SocketRecordLayout.AF_UNIX:
                return path.length == 0 && !abstractName ? "" : AddressText.unix(path, abstractName);
            default:
                return "";
        }
    }

    private static boolean isZero(byte[] address, int length) {
        if (address.length < length) {
            return true;
        }
        for (int i = 0; i < length; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The syscall column: the traced syscall; a finished non-blocking connect is "connect". */
    public static String syscall(int op) {
        switch (op) {
            case SocketRecordLayout.OP_SOCKET:
                return "socket";
            case SocketRecordLayout.OP_BIND:
                return "bind";
            case SocketRecordLayout.OP_LISTEN:
                return "listen";
            case SocketRecordLayout.OP_CONNECT:
            case SocketRecordLayout.OP_CONNECT_DONE:
                return "connect";
            case SocketRecordLayout.OP_ACCEPT:
                return "accept";
            case SocketRecordLayout.OP_ACCEPT4:
                return "accept4";
            case SocketRecordLayout.OP_CLOSE:
                return "close";
            case SocketRecordLayout.OP_SHUTDOWN:
                return "shutdown";
            default:
                return "unknown";
        }
    }

    /** socket_events' action: what happened to the socket, whichever syscall did it. */
    static String action(int op) {
        return op == SocketRecordLayout.OP_ACCEPT4 ? "accept" : syscall(op);
    }

    /** socket_events' status, from the op and the syscall's return. */
    static String status(int op, int ret) {
        if (op == SocketRecordLayout.OP_CONNECT && ret == -EINPROGRESS) {
            return "in_progress";
        }
        if ((op == SocketRecordLayout.OP_ACCEPT || op == SocketRecordLayout.OP_ACCEPT4) && ret == -EAGAIN) {
            return "no_client";
        }
        return ret < 0 ? "failed" : "succeeded";
    }

    private static Long unsigned(int id) {
        return Integer.toUnsignedLong(id);
    }
}
