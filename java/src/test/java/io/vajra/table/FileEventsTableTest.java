package io.vajra.table;

import static io.vajra.bpf.FileRecordLayout.FLAG_HAS_INODE;
import static io.vajra.bpf.FileRecordLayout.FLAG_LAST_CLOSE;
import static io.vajra.bpf.FileRecordLayout.OP_CREATED;
import static io.vajra.bpf.FileRecordLayout.OP_DELETED;
import static io.vajra.bpf.FileRecordLayout.OP_MOVED;
import static io.vajra.bpf.FileRecordLayout.OP_UPDATED;
import static io.vajra.bpf.FileRecordLayout.SIDE_NAME_FAULT;
import static io.vajra.bpf.FileRecordLayout.SIDE_NAME_RAW;
import static io.vajra.bpf.FileRecordLayout.SIDE_PATH_DELETED;
import static io.vajra.bpf.FileRecordLayout.SIDE_PATH_FAULT;
import static io.vajra.bpf.FileRecordLayout.SIDE_PATH_TRUNCATED;
import static io.vajra.bpf.FileRecordLayout.SIDE_WATCHED;
import static io.vajra.bpf.FileRecordLayout.SYSCALL_BY_EXIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.container.CgroupContext;
import io.vajra.container.ContainerNames;
import io.vajra.event.EventStore;
import io.vajra.event.FileEvent;
import io.vajra.event.StoreSettings;
import io.vajra.fim.FileChange;
import io.vajra.fim.FileHasher;
import io.vajra.format.RawText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bpf_file_events rows from FileChanges built by hand: no kernel, no FIM pipeline. */
class FileEventsTableTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long BOOT_TO_UNIX = 1_700_000_000L * SECOND;

    // x86_64 syscall numbers
    private static final int CLOSE = 3;
    private static final int OPENAT = 257;
    private static final int UNLINKAT = 263;
    private static final int RENAMEAT2 = 316;
    private static final int SYMLINK = 88;

    private static final int O_WRONLY_CREAT_TRUNC = 01 | 0100 | 01000;

    @TempDir
    Path tmp;

    private final EventStore<FileChange> store = new EventStore<>(StoreSettings.defaults(),
            () -> BOOT_TO_UNIX + 100 * SECOND);

    private FileEventsTable table() {
        return new FileEventsTable(store, new ContainerNames(tmp.resolve("docker"), tmp.resolve("storage")));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] comm(String name) {
        byte[] out = new byte[16];
        byte[] b = bytes(name);
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    private static FileEvent.Side fdSide(String path, int flags) {
        return new FileEvent.Side(11, (8 << 20) | 1, 1, 0, bytes(path), new byte[0], SIDE_WATCHED | flags);
    }

    /** Builds the FileEvent and its FileChange; defaults: vi (pid 200) closing /etc/motd it wrote. */
    private static final class Change {
        int op = OP_UPDATED;
        String action = "UPDATED";
        String category = "etc";
        byte[] targetPath = bytes("/etc/motd");
        byte[] namespacePath = bytes("/etc/motd");
        long transactionId;
        byte[] linkTarget = new byte[0];
        FileChange.FileStat stat = new FileChange.FileStat(131, (254 << 20) | 3, 0100644, 1000, 1001, 12,
                BOOT_TO_UNIX + 999_999_999L, BOOT_TO_UNIX + 4 * SECOND + 500_000_000L,
                BOOT_TO_UNIX + 4 * SECOND + 600_000_000L, true);
        FileHasher.Result hash;
        int syscall = CLOSE;
        int openFlags = O_WRONLY_CREAT_TRUNC;
        int ret;
        int fd = 3;
        int flags = FLAG_HAS_INODE | FLAG_LAST_CLOSE;
        FileEvent.Side side0 = fdSide("/etc/motd", 0);
        FileEvent.Side side1 = FileEvent.Side.NONE;
        CgroupContext cgroup = new CgroupContext("/user.slice/user-1000.slice/session-2.scope", "", "", "");

        FileChange build() {
            FileEvent e = new FileEvent(op, 5_250_000_000L, BOOT_TO_UNIX + 5_250_000_000L, 4242, 0,
                    stat == null ? 0 : stat.ino(), 12, 0, 0, 0, 0, 0100644, 1000, 1001,
                    200, 201, 1, 1000, 1000, 0, 0, -1, (int) 4026531836L, 200,
                    ret, fd, openFlags, 0, syscall, flags, side0, side1, comm("vi"), cgroup);
            return new FileChange(e, action, category, targetPath, namespacePath, transactionId, linkTarget, stat,
                    hash, bytes("/usr/bin/vi"), bytes("vi\0/etc/my file\0"));
        }
    }

    private Map<String, Object> only(Change change) {
        store.append(change.build());
        List<Map<String, Object>> rows = TableRows.of(table());
        assertEquals(1, rows.size());
        return rows.get(0);
    }

    private static Map<String, Object> pick(Map<String, Object> row, String... columns) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String c : columns) {
            out.put(c, row.get(c));
        }
        return out;
    }

    @Test
    void osquerysFileEventsColumnsComeFirstInItsOrder() {
        List<String> names = table().columns().stream().map(Column::name).toList();
        assertEquals(List.of("target_path", "category", "action", "transaction_id", "inode", "uid", "gid", "mode",
                "size", "atime", "mtime", "ctime", "md5", "sha1", "sha256", "hashed", "time", "eid"),
                names.subList(0, 18));
        assertEquals("bpf_file_events", table().name());
        for (Column c : table().columns()) {
            assertFalse(c.description().isBlank(), c.name() + " has no description");
        }
    }

    @Test
    void anUpdateReportedAtCloseHasEveryColumn() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("target_path", "/etc/motd");
        expected.put("category", "etc");
        expected.put("action", "UPDATED");
        expected.put("transaction_id", 0L);
        expected.put("inode", 131L);
        expected.put("uid", 1000L);
        expected.put("gid", 1001L);
        expected.put("mode", "0644");
        expected.put("size", 12L);
        expected.put("atime", 1_700_000_000L);
        expected.put("mtime", 1_700_000_004L);
        expected.put("ctime", 1_700_000_004L);
        expected.put("md5", "");
        expected.put("sha1", "");
        expected.put("sha256", "");
        expected.put("hashed", 0L);
        expected.put("time", 1_700_000_005L);
        expected.put("eid", 1L);
        expected.put("file_path", "/etc/motd");
        expected.put("namespace_path", "/etc/motd");
        expected.put("link_target", "");
        expected.put("pid", 200L);
        expected.put("tid", 201L);
        expected.put("parent", 1L);
        expected.put("process_uid", 1000L);
        expected.put("process_gid", 1000L);
        expected.put("process_euid", 0L);
        expected.put("process_egid", 0L);
        expected.put("process_auid", 4294967295L);
        expected.put("process_path", "/usr/bin/vi");
        expected.put("cmdline", "vi '/etc/my file'");
        expected.put("comm", "vi");
        expected.put("syscall", "close");
        expected.put("flags", "O_WRONLY|O_CREAT|O_TRUNC");
        expected.put("exit_code", "0");
        expected.put("fd", "3");
        expected.put("device", "254:3");
        expected.put("stat_source", "kernel");
        expected.put("hash_error", "");
        expected.put("path_flags", "");
        expected.put("ntime", "5250000000");
        expected.put("uptime", 5L);
        expected.put("cgroup_path", "/user.slice/user-1000.slice/session-2.scope");
        expected.put("container_id", "");
        expected.put("container_runtime", "");
        expected.put("container_name", "");
        expected.put("pod_uid", "");
        expected.put("is_container_process", 0L);
        expected.put("pid_ns", 4026531836L);
        expected.put("ns_pid", 200L);
        assertEquals(expected, only(new Change()));
    }

    @Test
    void modeIsTheOctalPermissionBitsWithoutTheFileType() {
        List<Integer> modes = List.of(0100644, 0104755, 040700, 0120777, 0100000, 0101777);
        for (int mode : modes) {
            Change c = new Change();
            c.stat = new FileChange.FileStat(1, 1, mode, 0, 0, 0, 0, 0, 0, true);
            store.append(c.build());
        }
        assertEquals(List.of("0644", "4755", "0700", "0777", "0000", "1777"),
                TableRows.of(table()).stream().map(r -> r.get("mode")).toList());
    }

    @Test
    void timesAreWholeSecondsRoundedDown() {
        Change c = new Change();
        c.stat = new FileChange.FileStat(1, 1, 0100644, 0, 0, 0, 1_700_000_000_999_999_999L, 1_700_000_001_000_000_000L,
                -1L, false);
        Map<String, Object> row = only(c);
        assertEquals(Map.of("atime", 1_700_000_000L, "mtime", 1_700_000_001L, "ctime", -1L,
                "stat_source", "user"), pick(row, "atime", "mtime", "ctime", "stat_source"));
    }

    @Test
    void deviceIsMajorColonMinor() {
        for (int dev : new int[] {(8 << 20) | 1, (259 << 20) | 0x12345, 0x2d}) {
            Change c = new Change();
            c.stat = new FileChange.FileStat(1, dev, 0100644, 0, 0, 0, 0, 0, 0, true);
            store.append(c.build());
        }
        assertEquals(List.of("8:1", "259:74565", "0:45"),
                TableRows.of(table()).stream().map(r -> r.get("device")).toList());
    }

    @Test
    void aDeletedFileHasNoInodeColumns() {
        Change c = new Change();
        c.op = OP_DELETED;
        c.action = "DELETED";
        c.syscall = UNLINKAT;
        c.openFlags = 0;
        c.fd = -1;
        c.flags = 0;
        c.stat = null;
        Map<String, Object> row = only(c);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("action", "DELETED");
        expected.put("inode", null);
        expected.put("uid", null);
        expected.put("gid", null);
        expected.put("mode", "");
        expected.put("size", null);
        expected.put("atime", null);
        expected.put("mtime", null);
        expected.put("ctime", null);
        expected.put("device", "");
        expected.put("stat_source", "");
        expected.put("hashed", 0L);
        expected.put("syscall", "unlinkat");
        expected.put("flags", "");
        expected.put("fd", "-1");
        assertEquals(expected, pick(row, expected.keySet().toArray(String[]::new)));
    }

    @Test
    void aFailedHashIsMinusOneWithItsReason() {
        Change c = new Change();
        c.hash = FileHasher.Result.failed("gone");
        assertEquals(Map.of("hashed", -1L, "hash_error", "gone", "md5", "", "sha1", "", "sha256", ""),
                pick(only(c), "hashed", "hash_error", "md5", "sha1", "sha256"));
    }

    @Test
    void noHashIsZeroWithoutAReason() {
        Change c = new Change();
        c.hash = null;
        assertEquals(Map.of("hashed", 0L, "hash_error", "", "md5", "", "sha1", "", "sha256", ""),
                pick(only(c), "hashed", "hash_error", "md5", "sha1", "sha256"));
    }

    @Test
    void aHashedFileShowsItsDigests() throws Exception {
        Path file = tmp.resolve("motd");
        Files.writeString(file, "hello\n");
        try (FileHasher hasher = new FileHasher(1 << 20, 4, 4)) {
            Change c = new Change();
            c.hash = hasher.submit(bytes(file.toString()));
            assertTrue(hasher.awaitIdle(Duration.ofSeconds(30)), "the hasher thread finished");
            Map<String, Object> expected = new LinkedHashMap<>();
            expected.put("hashed", 1L);
            expected.put("hash_error", "");
            expected.put("md5", "b1946ac92492d2347c6235b4d2611184");
            expected.put("sha1", "f572d396fae9206628714fb2ce00f72e94f2258f");
            expected.put("sha256", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
            assertEquals(expected, pick(only(c), "hashed", "hash_error", "md5", "sha1", "sha256"));
        }
    }

    @Test
    void pathFlagsNameWhatWentWrongWithThePath() {
        int[] sideFlags = {0, SIDE_PATH_TRUNCATED, SIDE_PATH_FAULT, SIDE_NAME_FAULT, SIDE_PATH_DELETED,
            SIDE_PATH_TRUNCATED | SIDE_PATH_FAULT | SIDE_NAME_FAULT | SIDE_PATH_DELETED};
        for (int flags : sideFlags) {
            Change c = new Change();
            c.side0 = fdSide("/etc/motd", flags);
            store.append(c.build());
        }
        assertEquals(List.of("", "truncated", "unreadable", "unreadable", "deleted", "truncated,unreadable,deleted"),
                TableRows.of(table()).stream().map(r -> r.get("path_flags")).toList());
    }

    @Test
    void aRenamesRowsShareATransactionAndEachHasItsOwnPathFlags() {
        for (String action : List.of("MOVED_FROM", "MOVED_TO")) {
            Change c = new Change();
            c.op = OP_MOVED;
            c.action = action;
            c.syscall = RENAMEAT2;
            c.openFlags = 1; // RENAME_NOREPLACE
            c.fd = -1;
            c.transactionId = 7;
            c.side0 = fdSide("/etc/motd.new", 0);
            c.side1 = fdSide("/etc/motd", SIDE_PATH_TRUNCATED);
            c.targetPath = bytes(action.equals("MOVED_FROM") ? "/etc/motd.new" : "/etc/motd");
            store.append(c.build());
        }
        List<Map<String, Object>> rows = TableRows.of(table());
        assertEquals(Map.of("action", "MOVED_FROM", "target_path", "/etc/motd.new", "transaction_id", 7L,
                "path_flags", "", "syscall", "renameat2", "flags", "RENAME_NOREPLACE"),
                pick(rows.get(0), "action", "target_path", "transaction_id", "path_flags", "syscall", "flags"));
        assertEquals(Map.of("action", "MOVED_TO", "target_path", "/etc/motd", "transaction_id", 7L,
                "path_flags", "truncated", "syscall", "renameat2", "flags", "RENAME_NOREPLACE"),
                pick(rows.get(1), "action", "target_path", "transaction_id", "path_flags", "syscall", "flags"));
    }

    @Test
    void anOpenReportsItsFlagsAndTheNewFd() {
        Change c = new Change();
        c.op = OP_CREATED;
        c.action = "CREATED";
        c.syscall = OPENAT;
        c.ret = 5;
        c.fd = 5;
        c.flags = FLAG_HAS_INODE;
        assertEquals(Map.of("syscall", "openat", "flags", "O_WRONLY|O_CREAT|O_TRUNC", "exit_code", "5", "fd", "5"),
                pick(only(c), "syscall", "flags", "exit_code", "fd"));
    }

    @Test
    void aFileReleasedByTheProcessExitingSaysExit() {
        Change c = new Change();
        c.syscall = SYSCALL_BY_EXIT;
        c.fd = -1;
        assertEquals(Map.of("syscall", "exit", "flags", "O_WRONLY|O_CREAT|O_TRUNC", "exit_code", "0", "fd", "-1"),
                pick(only(c), "syscall", "flags", "exit_code", "fd"));
    }

    @Test
    void aSymlinkInAContainerHasItsContentAndBothPaths() {
        Change c = new Change();
        c.op = OP_CREATED;
        c.action = "CREATED";
        c.category = "data";
        c.syscall = SYMLINK;
        c.openFlags = 0;
        c.fd = -1;
        c.flags = 0;
        c.targetPath = bytes("/srv/data/current");
        c.namespacePath = bytes("/data/current");
        c.linkTarget = bytes("../releases/42");
        c.side1 = new FileEvent.Side(0, 0, 0, 0, new byte[0], bytes("../releases/42"), SIDE_NAME_RAW);
        c.stat = new FileChange.FileStat(77, 1, 0120777, 0, 0, 14, 0, 0, 0, false);
        c.cgroup = new CgroupContext("/system.slice/docker-" + "ab".repeat(32) + ".scope", "ab".repeat(32),
                "docker", "");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("target_path", "/srv/data/current");
        expected.put("file_path", "/srv/data/current");
        expected.put("namespace_path", "/data/current");
        expected.put("link_target", "../releases/42");
        expected.put("category", "data");
        expected.put("syscall", "symlink");
        expected.put("flags", "");
        expected.put("mode", "0777");
        expected.put("hashed", 0L);
        expected.put("stat_source", "user");
        expected.put("container_id", "ab".repeat(32));
        expected.put("container_runtime", "docker");
        expected.put("is_container_process", 1L);
        assertEquals(expected, pick(only(c), expected.keySet().toArray(String[]::new)));
    }

    @Test
    void pathBytesThatAreNotUtf8AreEscapedAsRawTextDoes() {
        // "/tmp/caf" 0xc3 (cut short) 0xff "\n" "é"
        byte[] path = {'/', 't', 'm', 'p', '/', 'c', 'a', 'f', (byte) 0xc3, (byte) 0xff, '\n', (byte) 0xc3,
            (byte) 0xa9};
        Change c = new Change();
        c.targetPath = path;
        c.namespacePath = path;
        Map<String, Object> row = only(c);
        assertEquals("/tmp/caf\\xc3\\xff\né", row.get("target_path"));
        assertEquals(RawText.decode(path), row.get("target_path"));
        assertEquals(row.get("target_path"), row.get("file_path"));
        assertEquals(row.get("target_path"), row.get("namespace_path"));
    }

    @Test
    void cmdlineIsLeftOutWhenTheQueryDoesNotUseIt() {
        store.append(new Change().build());
        BitSet used = new BitSet();
        used.set(table().columnIndex("target_path"));
        QueryConstraints onlyPath = QueryConstraints.builder().usedColumns(used).build();
        List<Map<String, Object>> rows = TableRows.of(table(), onlyPath);
        assertNull(rows.get(0).get("cmdline"));
        assertEquals("/etc/motd", rows.get(0).get("target_path"));
    }
}
