package io.vajra.table;

import static io.vajra.table.ColumnOption.ADDITIONAL;
import static io.vajra.table.ColumnOption.HIDDEN;
import static io.vajra.table.ColumnOption.INDEX;

import io.vajra.bpf.ProcessRecordLayout;
import io.vajra.container.ContainerNames;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.format.Cmdline;
import io.vajra.format.PathText;
import io.vajra.format.RawText;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * {@code bpf_process_events}: every column osquery 5's table had, same names and meaning, then
 * Vajra's additions. Rows are formatted from the raw events when a query asks for them.
 *
 * <p>Pushes {@code eid} and {@code time} constraints into the store, and drops events whose
 * {@code eid}, {@code time} or {@code pid} the query excludes before formatting them (an
 * {@code IN} list is honoured as a set). Event times arrive already
 * in UNIX time; the process start time is kernel boot time and is converted with the
 * collector's boot-to-UNIX offset.
 */
public final class ProcessEventsTable implements EventTable {
    public static final String NAME = "bpf_process_events";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final String DELETED_SUFFIX = " (deleted)";

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
            "exec: the syscall's return (0 or -errno); exit: the exit status; fork: 0"));
    private static final int PROBE_ERROR = SCHEMA.add(Column.integer("probe_error",
            "1 if argv, path or cwd could not be read completely"));
    private static final int SYSCALL = SCHEMA.add(Column.text("syscall",
            "execve, execveat, fork, vfork, clone, clone3 or exit"));
    private static final int PATH = SCHEMA.add(Column.text("path",
            "The binary, absolute as resolved by the kernel; failed exec: the path asked for, made absolute against cwd"));
    private static final int CWD = SCHEMA.add(Column.text("cwd",
            "Working directory; \" (deleted)\" appended when it was removed"));
    private static final int CMDLINE = SCHEMA.add(Column.text("cmdline",
            "Arguments joined by spaces; an argument containing white space is in single quotes"));
    private static final int DURATION = SCHEMA.add(Column.bigint("duration",
            "Nanoseconds spent in the exec syscall; 0 for other events"));
    private static final int JSON_CMDLINE = SCHEMA.add(Column.text("json_cmdline",
            "Arguments as a JSON array of strings", HIDDEN));
    private static final int NTIME = SCHEMA.add(Column.text("ntime",
            "Kernel boot-time clock at the event, in nanoseconds, as text"));
    private static final int TIME = SCHEMA.add(Column.bigint(EventQuery.TIME,
            "UNIX time of the event, in seconds", HIDDEN, ADDITIONAL, INDEX));
    private static final int EID = SCHEMA.add(Column.bigint(EventTable.EID,
            "Event id: increases by one per event stored", HIDDEN, INDEX));
    // Vajra's additions.
    private static final int EUID = SCHEMA.add(Column.bigint("euid", "Effective user id"));
    private static final int EGID = SCHEMA.add(Column.bigint("egid", "Effective group id"));
    private static final int SUID = SCHEMA.add(Column.bigint("suid", "Saved user id"));
    private static final int SGID = SCHEMA.add(Column.bigint("sgid", "Saved group id"));
    private static final int FSUID = SCHEMA.add(Column.bigint("fsuid", "File-system user id"));
    private static final int FSGID = SCHEMA.add(Column.bigint("fsgid", "File-system group id"));
    private static final int AUID = SCHEMA.add(Column.bigint("auid",
            "Audit login user id; 4294967295 when unset"));
    private static final int COMM = SCHEMA.add(Column.text("comm",
            "Thread name (comm, at most 15 bytes): after exec, from the binary's file name"));
    private static final int CGROUP_ID = SCHEMA.add(Column.bigint("cgroup_id",
            "Cgroup v2 id, same as cid"));
    private static final int EXIT_SIGNAL = SCHEMA.add(Column.integer("exit_signal",
            "exit: the signal that killed the process, 0 if none"));
    private static final int ARGC = SCHEMA.add(Column.integer("argc",
            "Number of arguments captured"));
    private static final int CMDLINE_SIZE = SCHEMA.add(Column.bigint("cmdline_size",
            "True size of the arguments in the process, in bytes, NULs included"));
    private static final int CMDLINE_TRUNCATED = SCHEMA.add(Column.integer("cmdline_truncated",
            "1 if the arguments were longer than the capture limit (--argv-cap)"));
    private static final int FILENAME = SCHEMA.add(Column.text("filename",
            "exec: the path exactly as passed to the syscall; empty for other events"));
    private static final int PATH_DELETED = SCHEMA.add(Column.integer("path_deleted",
            "1 if the binary had been deleted from disk"));
    private static final int START_TIME = SCHEMA.add(Column.bigint("start_time",
            "Process start, UNIX time in seconds"));
    private static final int UPTIME = SCHEMA.add(Column.bigint("uptime",
            "Seconds since boot at the event"));
    // Where the process ran: cgroup, container, pod, pid namespace.
    private static final ContainerColumns CONTAINER = new ContainerColumns(SCHEMA);
    private static final List<Column> COLUMNS = SCHEMA.columns();

    private final EventStore<ProcessEvent> store;
    private final LongSupplier bootToUnixNanos;
    private final ContainerNames containerNames;

    /**
     * @param bootToUnixNanos UNIX time minus boot time in ns (the collector's
     *                        {@code bootToUnixNanos()}), read once per query
     */
    public ProcessEventsTable(EventStore<ProcessEvent> store, LongSupplier bootToUnixNanos) {
        this(store, bootToUnixNanos, ContainerNames.system());
    }

    /** @param containerNames where container names are looked up (at query time, cached) */
    public ProcessEventsTable(EventStore<ProcessEvent> store, LongSupplier bootToUnixNanos,
            ContainerNames containerNames) {
        this.store = store;
        this.bootToUnixNanos = bootToUnixNanos;
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
    public EventStore<ProcessEvent> store() {
        return store;
    }

    @Override
    public SelectedRows select(QueryConstraints constraints) {
        // Arguments are split only when read, and each form built only when asked for:
        // json_cmdline (hidden, so not in osquery's SELECT *) costs as much as the rest of a row.
        boolean wantCmdline = constraints.isUsed(CMDLINE);
        boolean wantJsonCmdline = constraints.isUsed(JSON_CMDLINE);
        long bootToUnix = bootToUnixNanos.getAsLong();
        // Snapshot records are start-up state for the process cache, not something that happened.
        return EventQuery.of(constraints).select(store, event -> event.op() != ProcessRecordLayout.OP_SNAPSHOT,
                ProcessEvent::pid,
                (eid, event) -> row(eid, event, wantCmdline, wantJsonCmdline, bootToUnix, containerNames));
    }

    private static Object[] row(long eid, ProcessEvent e, boolean wantCmdline, boolean wantJsonCmdline,
            long bootToUnix, ContainerNames names) {
        Object[] row = new Object[COLUMNS.size()];
        int flags = e.flags();
        String cwd = RawText.decodeUntilNul(e.cwd());
        String path = RawText.decodeUntilNul(e.path());
        String filename = RawText.decodeUntilNul(e.filename());
        if ((flags & ProcessRecordLayout.FLAG_PATH_AS_GIVEN) != 0) {
            // A failed exec: the kernel resolved nothing, so path is the caller's text.
            if (filename.isEmpty()) {
                filename = path;
            }
            path = PathText.resolve(withoutDeletedSuffix(cwd, flags), path);
        }

        row[TID] = unsigned(e.tid());
        row[PID] = unsigned(e.pid());
        row[PARENT] = unsigned(e.ppid());
        row[UID] = unsigned(e.uid());
        row[GID] = unsigned(e.gid());
        row[CID] = e.cgroupId();
        row[EXIT_CODE] = exitCode(e);
        row[PROBE_ERROR] = (flags & ProcessRecordLayout.FAULT_FLAGS) != 0 ? 1L : 0L;
        row[SYSCALL] = syscall(e.op());
        row[PATH] = path;
        row[CWD] = cwd;
        row[CMDLINE] = wantCmdline ? Cmdline.quoted(e.argv()) : null;
        row[JSON_CMDLINE] = wantJsonCmdline ? Cmdline.json(e.argv()) : null;
        row[DURATION] = e.durationNanos();
        row[NTIME] = Long.toUnsignedString(e.kernelNanos());
        row[TIME] = EventQuery.seconds(e.unixNanos());
        row[EID] = eid;
        row[EUID] = unsigned(e.euid());
        row[EGID] = unsigned(e.egid());
        row[SUID] = unsigned(e.suid());
        row[SGID] = unsigned(e.sgid());
        row[FSUID] = unsigned(e.fsuid());
        row[FSGID] = unsigned(e.fsgid());
        row[AUID] = unsigned(e.auid());
        row[COMM] = RawText.decodeUntilNul(e.comm());
        row[CGROUP_ID] = e.cgroupId();
        row[EXIT_SIGNAL] = (long) e.exitSignal();
        row[ARGC] = (long) e.argc();
        row[CMDLINE_SIZE] = e.argvTrueLength();
        row[CMDLINE_TRUNCATED] = (flags & ProcessRecordLayout.FLAG_ARGV_TRUNCATED) != 0 ? 1L : 0L;
        row[FILENAME] = filename;
        row[PATH_DELETED] = (flags & ProcessRecordLayout.FLAG_PATH_DELETED) != 0 ? 1L : 0L;
        row[START_TIME] = Math.floorDiv(e.startBootNanos() + bootToUnix, NANOS_PER_SECOND);
        row[UPTIME] = Long.divideUnsigned(e.kernelNanos(), NANOS_PER_SECOND);
        CONTAINER.fill(row, e.cgroup(), names, e.pidNs(), e.nsPid());
        return row;
    }

    /** The syscall column's value for an op; "unknown" only if native and Java disagree. */
    public static String syscall(int op) {
        switch (op) {
            case ProcessRecordLayout.OP_EXECVE:
                return "execve";
            case ProcessRecordLayout.OP_EXECVEAT:
                return "execveat";
            case ProcessRecordLayout.OP_FORK:
                return "fork";
            case ProcessRecordLayout.OP_VFORK:
                return "vfork";
            case ProcessRecordLayout.OP_CLONE:
                return "clone";
            case ProcessRecordLayout.OP_CLONE3:
                return "clone3";
            case ProcessRecordLayout.OP_EXIT:
                return "exit";
            default:
                return "unknown";
        }
    }

    private static String exitCode(ProcessEvent e) {
        if (ProcessRecordLayout.isFork(e.op())) {
            return "0"; // only successful forks are reported
        }
        return Integer.toString(e.exitCode());
    }

    /** A deleted cwd is not a directory to resolve against; its former name is the best we have. */
    private static String withoutDeletedSuffix(String cwd, int flags) {
        if ((flags & ProcessRecordLayout.FLAG_CWD_DELETED) != 0 && cwd.endsWith(DELETED_SUFFIX)) {
            return cwd.substring(0, cwd.length() - DELETED_SUFFIX.length());
        }
        return cwd;
    }

    private static Long unsigned(int id) {
        return Integer.toUnsignedLong(id);
    }
}
