package io.vajra.table;

import static io.vajra.table.ColumnOption.ADDITIONAL;
import static io.vajra.table.ColumnOption.HIDDEN;
import static io.vajra.table.ColumnOption.INDEX;

import io.vajra.bpf.FileRecordLayout;
import io.vajra.container.ContainerNames;
import io.vajra.event.EventStore;
import io.vajra.event.FileEvent;
import io.vajra.fim.FileChange;
import io.vajra.fim.FileHasher;
import io.vajra.fim.FileSyscalls;
import io.vajra.format.Cmdline;
import io.vajra.format.RawText;
import java.util.List;

/**
 * {@code bpf_file_events}: osquery's {@code file_events} columns, same names and meaning,
 * then who did it and how. One row per change per category (see docs/tables.md for which
 * syscall gives which action); {@code eid}, {@code time} and {@code pid} constraints are
 * pushed down as in the other event tables.
 */
public final class FileEventsTable implements EventTable {
    public static final String NAME = "bpf_file_events";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final Schema SCHEMA = new Schema();
    // osquery file_events' columns, in its order.
    private static final int TARGET_PATH = SCHEMA.add(Column.text("target_path",
            "The path changed, absolute, in the host's view (the configured path, symlinks in it kept)"));
    private static final int CATEGORY = SCHEMA.add(Column.text("category",
            "The file_paths category that matched; one row per matching category"));
    private static final int ACTION = SCHEMA.add(Column.text("action",
            "CREATED, UPDATED, DELETED, MOVED_FROM, MOVED_TO, ATTRIBUTES_MODIFIED, OPENED or ACCESSED"));
    private static final int TRANSACTION_ID = SCHEMA.add(Column.bigint("transaction_id",
            "Links a rename's MOVED_FROM and MOVED_TO rows; 0 for other actions"));
    private static final int INODE = SCHEMA.add(Column.bigint("inode",
            "Inode number of the file; NULL when unknown (deleted)"));
    private static final int UID = SCHEMA.add(Column.bigint("uid", "Owning user id of the file"));
    private static final int GID = SCHEMA.add(Column.bigint("gid", "Owning group id of the file"));
    private static final int MODE = SCHEMA.add(Column.text("mode",
            "Permission bits of the file, octal (0644); empty when unknown"));
    private static final int SIZE = SCHEMA.add(Column.bigint("size", "Size of the file in bytes"));
    private static final int ATIME = SCHEMA.add(Column.bigint("atime", "Last access time of the file (UNIX seconds)"));
    private static final int MTIME = SCHEMA.add(Column.bigint("mtime", "Last modification time (UNIX seconds)"));
    private static final int CTIME = SCHEMA.add(Column.bigint("ctime", "Last status change time (UNIX seconds)"));
    private static final int MD5 = SCHEMA.add(Column.text("md5",
            "MD5 of the content (CREATED, UPDATED of regular files); empty when not hashed"));
    private static final int SHA1 = SCHEMA.add(Column.text("sha1", "SHA-1 of the content, as md5"));
    private static final int SHA256 = SCHEMA.add(Column.text("sha256", "SHA-256 of the content, as md5"));
    private static final int HASHED = SCHEMA.add(Column.integer("hashed",
            "1 hashed, 0 not hashed (other actions, or not done yet), -1 could not hash (see hash_error)"));
    private static final int TIME = SCHEMA.add(Column.bigint(EventQuery.TIME,
            "UNIX time of the event, in seconds", INDEX));
    private static final int EID = SCHEMA.add(Column.bigint(EventTable.EID,
            "Event id: increases by one per row stored", HIDDEN, INDEX));
    // Vajra's additions: the path in other words.
    private static final int FILE_PATH = SCHEMA.add(Column.text("file_path", "Same as target_path"));
    private static final int NAMESPACE_PATH = SCHEMA.add(Column.text("namespace_path",
            "The path as the process named it, in its own mount namespace (a container's view); "
                    + "equal to target_path on the host"));
    private static final int LINK_TARGET = SCHEMA.add(Column.text("link_target",
            "Symlink creation: the link's content; empty otherwise"));
    // Who did it.
    private static final int PID = SCHEMA.add(Column.bigint(EventQuery.PID,
            "Process id (thread group id) that made the change", INDEX));
    private static final int TID = SCHEMA.add(Column.bigint("tid", "Thread id"));
    private static final int PARENT = SCHEMA.add(Column.bigint("parent", "Process id of the real parent"));
    private static final int PROCESS_UID = SCHEMA.add(Column.bigint("process_uid", "Real user id of the process"));
    private static final int PROCESS_GID = SCHEMA.add(Column.bigint("process_gid", "Real group id of the process"));
    private static final int PROCESS_EUID = SCHEMA.add(Column.bigint("process_euid", "Effective user id of the process"));
    private static final int PROCESS_EGID = SCHEMA.add(Column.bigint("process_egid", "Effective group id of the process"));
    private static final int PROCESS_AUID = SCHEMA.add(Column.bigint("process_auid",
            "Login (audit) user id of the process; 4294967295 when unset"));
    private static final int PROCESS_PATH = SCHEMA.add(Column.text("process_path",
            "The process's binary, empty when unknown"));
    private static final int CMDLINE = SCHEMA.add(Column.text("cmdline",
            "The process's arguments, quoted as in bpf_process_events; empty when unknown", ADDITIONAL));
    private static final int COMM = SCHEMA.add(Column.text("comm", "Thread name (comm, at most 15 bytes)"));
    // How.
    private static final int SYSCALL = SCHEMA.add(Column.text("syscall",
            "The syscall: openat, close, unlinkat, renameat2, fchmodat...; exit when the process exited holding the file"));
    private static final int FLAGS = SCHEMA.add(Column.text("flags",
            "Opens: O_* flags (O_WRONLY|O_CREAT|O_TRUNC); *at calls: AT_*/RENAME_* flags; empty when none"));
    private static final int EXIT_CODE = SCHEMA.add(Column.text("exit_code",
            "The syscall's return (the fd for opens, 0 otherwise); closes report 0"));
    private static final int FD = SCHEMA.add(Column.text("fd", "The file descriptor acted on; -1 when none"));
    private static final int DEVICE = SCHEMA.add(Column.text("device",
            "Device of the file as major:minor; empty when unknown"));
    private static final int STAT_SOURCE = SCHEMA.add(Column.text("stat_source",
            "kernel: inode columns read by the probe at the event; user: read by Vajra right after; empty: unknown"));
    private static final int HASH_ERROR = SCHEMA.add(Column.text("hash_error",
            "Why the file was not hashed when hashed is -1 (gone, larger than ..., not a regular file)"));
    private static final int PATH_FLAGS = SCHEMA.add(Column.text("path_flags",
            "Notes on the path: truncated, unreadable, deleted (unlinked while open); comma separated"));
    private static final int NTIME = SCHEMA.add(Column.text("ntime",
            "Kernel boot-time clock at the event, in nanoseconds, as text"));
    private static final int UPTIME = SCHEMA.add(Column.bigint("uptime", "Seconds since boot at the event"));
    // Where the process ran: cgroup, container, pod, pid namespace.
    private static final ContainerColumns CONTAINER = new ContainerColumns(SCHEMA);
    private static final List<Column> COLUMNS = SCHEMA.columns();

    private final EventStore<FileChange> store;
    private final ContainerNames containerNames;

    public FileEventsTable(EventStore<FileChange> store) {
        this(store, ContainerNames.system());
    }

    /** @param containerNames where container names are looked up (at query time, cached) */
    public FileEventsTable(EventStore<FileChange> store, ContainerNames containerNames) {
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
    public EventStore<FileChange> store() {
        return store;
    }

    @Override
    public SelectedRows select(QueryConstraints constraints) {
        boolean wantCmdline = constraints.isUsed(CMDLINE);
        return EventQuery.of(constraints).select(store, change -> true, change -> change.event().pid(),
                (eid, change) -> row(eid, change, wantCmdline, containerNames));
    }

    private static Object[] row(long eid, FileChange c, boolean wantCmdline, ContainerNames names) {
        Object[] row = new Object[COLUMNS.size()];
        FileEvent e = c.event();
        String target = RawText.decode(c.targetPath());
        row[TARGET_PATH] = target;
        row[CATEGORY] = c.category();
        row[ACTION] = c.action();
        row[TRANSACTION_ID] = c.transactionId();
        FileChange.FileStat stat = c.stat();
        if (stat != null) {
            row[INODE] = stat.ino();
            row[UID] = Integer.toUnsignedLong(stat.uid());
            row[GID] = Integer.toUnsignedLong(stat.gid());
            row[MODE] = String.format("%04o", stat.mode() & 07777);
            row[SIZE] = stat.size();
            row[ATIME] = Math.floorDiv(stat.atimeNanos(), NANOS_PER_SECOND);
            row[MTIME] = Math.floorDiv(stat.mtimeNanos(), NANOS_PER_SECOND);
            row[CTIME] = Math.floorDiv(stat.ctimeNanos(), NANOS_PER_SECOND);
            row[DEVICE] = (stat.dev() >>> 20) + ":" + (stat.dev() & 0xfffff);
            row[STAT_SOURCE] = stat.fromKernel() ? "kernel" : "user";
        } else {
            row[MODE] = "";
            row[DEVICE] = "";
            row[STAT_SOURCE] = "";
        }
        FileHasher.Result hash = c.hash();
        boolean hashed = hash != null && hash.state() == FileHasher.State.HASHED;
        row[MD5] = hashed ? hash.md5() : "";
        row[SHA1] = hashed ? hash.sha1() : "";
        row[SHA256] = hashed ? hash.sha256() : "";
        row[HASHED] = hash == null ? 0L : (long) hash.hashed();
        row[HASH_ERROR] = hash == null ? "" : hash.failure();
        row[TIME] = EventQuery.seconds(e.unixNanos());
        row[EID] = eid;
        row[FILE_PATH] = target;
        row[NAMESPACE_PATH] = RawText.decode(c.namespacePath());
        row[LINK_TARGET] = RawText.decode(c.linkTarget());
        row[PID] = Integer.toUnsignedLong(e.pid());
        row[TID] = Integer.toUnsignedLong(e.tid());
        row[PARENT] = Integer.toUnsignedLong(e.ppid());
        row[PROCESS_UID] = Integer.toUnsignedLong(e.uid());
        row[PROCESS_GID] = Integer.toUnsignedLong(e.gid());
        row[PROCESS_EUID] = Integer.toUnsignedLong(e.euid());
        row[PROCESS_EGID] = Integer.toUnsignedLong(e.egid());
        row[PROCESS_AUID] = Integer.toUnsignedLong(e.auid());
        row[PROCESS_PATH] = RawText.decodeUntilNul(c.processPath());
        row[CMDLINE] = wantCmdline ? Cmdline.quoted(c.processArgv()) : null;
        row[COMM] = RawText.decodeUntilNul(e.comm());
        row[SYSCALL] = FileSyscalls.name(e.syscall());
        row[FLAGS] = FileSyscalls.flagsText(e.syscall(), e.openFlags());
        row[EXIT_CODE] = Integer.toString(e.ret());
        row[FD] = Integer.toString(e.fd());
        row[PATH_FLAGS] = pathFlags(c.action().equals("MOVED_TO") ? e.side1() : e.side0());
        row[NTIME] = Long.toUnsignedString(e.kernelNanos());
        row[UPTIME] = Long.divideUnsigned(e.kernelNanos(), NANOS_PER_SECOND);
        CONTAINER.fill(row, e.cgroup(), names, e.pidNs(), e.nsPid());
        return row;
    }

    private static String pathFlags(FileEvent.Side side) {
        StringBuilder out = new StringBuilder();
        int flags = side.flags();
        if ((flags & FileRecordLayout.SIDE_PATH_TRUNCATED) != 0) {
            out.append("truncated,");
        }
        if ((flags & (FileRecordLayout.SIDE_PATH_FAULT | FileRecordLayout.SIDE_NAME_FAULT)) != 0) {
            out.append("unreadable,");
        }
        if ((flags & FileRecordLayout.SIDE_PATH_DELETED) != 0) {
            out.append("deleted,");
        }
        return out.length() == 0 ? "" : out.substring(0, out.length() - 1);
    }
}
