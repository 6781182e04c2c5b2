package io.vajra.table;

import static io.vajra.table.ColumnOption.ADDITIONAL;
import static io.vajra.table.ColumnOption.HIDDEN;
import static io.vajra.table.ColumnOption.INDEX;

import io.vajra.container.ContainerNames;
import io.vajra.event.EventStore;
import io.vajra.event.WriteEvent;
import io.vajra.format.Cmdline;
import io.vajra.format.RawText;
import io.vajra.log.LogLine;
import java.util.List;

/**
 * {@code bpf_log_events}: the lines appended to the configured log files, each with the
 * process (and container) whose write put it there, as the kernel saw the write.
 */
public final class LogEventsTable implements EventTable {
    public static final String NAME = "bpf_log_events";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final Schema SCHEMA = new Schema();
    private static final int PATH = SCHEMA.add(Column.text("path", "The log file, as the source's glob found it"));
    private static final int CATEGORY = SCHEMA.add(Column.text("category",
            "The source's category (its glob when none was configured)"));
    private static final int LINE = SCHEMA.add(Column.text("line",
            "The line without its newline; bytes that are not UTF-8 as \\xNN; at most max_line_bytes"));
    private static final int OFFSET = SCHEMA.add(Column.bigint("offset", "File offset of the line's first byte"));
    private static final int LINE_NUMBER = SCHEMA.add(Column.bigint("line_number",
            "Line number in the file, from 1; -1 when unknown (the file was too large to count when tailing began)"));
    private static final int INODE = SCHEMA.add(Column.bigint("inode", "Inode number of the file"));
    private static final int DEVICE = SCHEMA.add(Column.text("device", "Device of the file as major:minor"));
    private static final int TIME = SCHEMA.add(Column.bigint(EventQuery.TIME,
            "UNIX time the line was written (the kernel's write); when unattributed, when it was read", INDEX));
    private static final int PID = SCHEMA.add(Column.bigint(EventQuery.PID,
            "Process id of the writer; NULL when unattributed", INDEX));
    private static final int TID = SCHEMA.add(Column.bigint("tid", "Thread id of the writer"));
    private static final int PARENT = SCHEMA.add(Column.bigint("parent", "Process id of the writer's parent"));
    private static final int UID = SCHEMA.add(Column.bigint("uid", "Real user id of the writer"));
    private static final int GID = SCHEMA.add(Column.bigint("gid", "Real group id of the writer"));
    private static final int PROCESS_PATH = SCHEMA.add(Column.text("process_path",
            "The writer's binary; empty when unknown"));
    private static final int CMDLINE = SCHEMA.add(Column.text("cmdline",
            "The writer's arguments, quoted as in bpf_process_events; empty when unknown", ADDITIONAL));
    private static final int COMM = SCHEMA.add(Column.text("comm", "The writing thread's name (comm)"));
    private static final int SYSCALL = SCHEMA.add(Column.text("syscall",
            "write, writev, pwrite64, pwritev or pwritev2; empty when unattributed"));
    private static final int ATTRIBUTED = SCHEMA.add(Column.integer("attributed",
            "1 when the kernel reported the write of the line's first byte, else 0"));
    private static final int TRUNCATED = SCHEMA.add(Column.integer("truncated",
            "1 when the line was longer than max_line_bytes and was cut"));
    private static final int INCOMPLETE = SCHEMA.add(Column.integer("incomplete",
            "1 when the line had no newline and was emitted after 2 s without more"));
    private static final int EID = SCHEMA.add(Column.bigint(EventTable.EID,
            "Event id: increases by one per line stored", HIDDEN, INDEX));
    private static final ContainerColumns CONTAINER = new ContainerColumns(SCHEMA);
    private static final List<Column> COLUMNS = SCHEMA.columns();

    private final EventStore<LogLine> store;
    private final ContainerNames containerNames;

    public LogEventsTable(EventStore<LogLine> store) {
        this(store, ContainerNames.system());
    }

    public LogEventsTable(EventStore<LogLine> store, ContainerNames containerNames) {
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
    public EventStore<LogLine> store() {
        return store;
    }

    @Override
    public SelectedRows select(QueryConstraints constraints) {
        boolean wantCmdline = constraints.isUsed(CMDLINE);
        return EventQuery.of(constraints).select(store, line -> true,
                line -> line.writer() == null ? -1 : line.writer().event().pid(),
                (eid, line) -> row(eid, line, wantCmdline, containerNames));
    }

    private static Object[] row(long eid, LogLine l, boolean wantCmdline, ContainerNames names) {
        Object[] row = new Object[COLUMNS.size()];
        row[PATH] = RawText.decode(l.path());
        row[CATEGORY] = l.category();
        row[LINE] = RawText.decode(l.line());
        row[OFFSET] = l.offset();
        row[LINE_NUMBER] = l.lineNumber();
        row[INODE] = l.ino();
        row[DEVICE] = (l.dev() >>> 20) + ":" + (l.dev() & 0xfffff);
        row[TIME] = EventQuery.seconds(l.unixNanos());
        row[EID] = eid;
        row[TRUNCATED] = l.truncated() ? 1L : 0L;
        row[INCOMPLETE] = l.incomplete() ? 1L : 0L;
        if (l.writer() == null) {
            row[ATTRIBUTED] = 0L;
            row[PROCESS_PATH] = "";
            row[CMDLINE] = wantCmdline ? "" : null;
            row[COMM] = "";
            row[SYSCALL] = "";
            CONTAINER.fill(row, null, names, 0, 0);
            return row;
        }
        WriteEvent w = l.writer().event();
        row[ATTRIBUTED] = 1L;
        row[PID] = Integer.toUnsignedLong(w.pid());
        row[TID] = Integer.toUnsignedLong(w.tid());
        row[PARENT] = Integer.toUnsignedLong(w.ppid());
        row[UID] = Integer.toUnsignedLong(w.uid());
        row[GID] = Integer.toUnsignedLong(w.gid());
        row[PROCESS_PATH] = RawText.decodeUntilNul(l.writer().processPath());
        row[CMDLINE] = wantCmdline ? Cmdline.quoted(l.writer().processArgv()) : null;
        row[COMM] = RawText.decodeUntilNul(w.comm());
        row[SYSCALL] = io.vajra.fim.FileSyscalls.name(w.syscall());
        CONTAINER.fill(row, w.cgroup(), names, w.pidNs(), w.nsPid());
        return row;
    }
}
