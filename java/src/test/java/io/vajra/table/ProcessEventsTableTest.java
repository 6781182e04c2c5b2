package io.vajra.table;

import static io.vajra.testing.ProcessEventBuilder.BOOT_TO_UNIX;
import static io.vajra.testing.ProcessEventBuilder.bytes;
import static io.vajra.testing.ProcessEventBuilder.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vajra.bpf.ProcessRecordLayout;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.StoreSettings;
import io.vajra.table.QueryConstraints.Operator;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcessEventsTableTest {
    private static final long SECOND = 1_000_000_000L;

    private final EventStore<ProcessEvent> store = new EventStore<>(StoreSettings.defaults(),
            () -> BOOT_TO_UNIX + 100 * SECOND);
    private final ProcessEventsTable table = new ProcessEventsTable(store, () -> BOOT_TO_UNIX);

    private Map<String, Object> only(ProcessEvent event) {
        store.append(event);
        List<Map<String, Object>> rows = TableRows.of(table);
        assertEquals(1, rows.size());
        return rows.get(0);
    }

    private List<Object> column(String name, QueryConstraints constraints) {
        List<Object> values = new ArrayList<>();
        for (Map<String, Object> row : TableRows.of(table, constraints)) {
            values.add(row.get(name));
        }
        return values;
    }

    @Test
    void keepsOsquerysColumnsInOrderThenAddsVajras() {
        List<String> names = table.columns().stream().map(Column::name).toList();
        assertEquals(List.of("tid", "pid", "parent", "uid", "gid", "cid", "exit_code", "probe_error",
                "syscall", "path", "cwd", "cmdline", "duration", "json_cmdline", "ntime", "time", "eid",
                "euid", "egid", "suid", "sgid", "fsuid", "fsgid", "auid", "comm", "cgroup_id", "exit_signal",
                "argc", "cmdline_size", "cmdline_truncated", "filename", "path_deleted", "start_time", "uptime",
                "cgroup_path", "container_id", "container_runtime", "container_name", "pod_uid",
                "is_container_process", "pid_ns", "ns_pid"),
                names);
        assertEquals("bpf_process_events", table.name());
    }

    @Test
    void typesAndOptionsMatchOsquery() {
        Map<String, String> described = new LinkedHashMap<>();
        for (Column c : table.columns()) {
            if (c.description().isBlank()) {
                throw new AssertionError(c.name() + " has no description");
            }
            described.put(c.name(), c.type() + (c.options().isEmpty() ? "" : " " + c.options()));
        }
        assertEquals("BIGINT", described.get("cid"), "64-bit cgroup ids");
        assertEquals("TEXT", described.get("exit_code"));
        assertEquals("INTEGER", described.get("probe_error"));
        assertEquals("TEXT", described.get("ntime"));
        assertEquals("TEXT [HIDDEN]", described.get("json_cmdline"));
        assertEquals(Set.of(ColumnOption.HIDDEN, ColumnOption.INDEX),
                table.columns().get(table.columnIndex("eid")).options());
        assertEquals(Set.of(ColumnOption.HIDDEN, ColumnOption.ADDITIONAL, ColumnOption.INDEX),
                table.columns().get(table.columnIndex("time")).options());
        assertEquals(Set.of(ColumnOption.INDEX), table.columns().get(table.columnIndex("pid")).options());
    }

    @Test
    void anExecRowHasEveryColumn() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("tid", 100L);
        expected.put("pid", 100L);
        expected.put("parent", 1L);
        expected.put("uid", 1000L);
        expected.put("gid", 0L);
        expected.put("cid", 4242L);
        expected.put("exit_code", "0");
        expected.put("probe_error", 0L);
        expected.put("syscall", "execve");
        expected.put("path", "/usr/bin/ls");
        expected.put("cwd", "/root");
        expected.put("cmdline", "ls -l 'my file'");
        expected.put("duration", 1234L);
        expected.put("json_cmdline", "[\"ls\",\"-l\",\"my file\"]");
        expected.put("ntime", "5000000000");
        expected.put("time", 1_700_000_005L);
        expected.put("eid", 1L);
        expected.put("euid", 1000L);
        expected.put("egid", 0L);
        expected.put("suid", 1000L);
        expected.put("sgid", 0L);
        expected.put("fsuid", 1000L);
        expected.put("fsgid", 0L);
        expected.put("auid", 4294967295L);
        expected.put("comm", "ls");
        expected.put("cgroup_id", 4242L);
        expected.put("exit_signal", 0L);
        expected.put("argc", 3L);
        expected.put("cmdline_size", 14L);
        expected.put("cmdline_truncated", 0L);
        expected.put("filename", "/bin/ls");
        expected.put("path_deleted", 0L);
        expected.put("start_time", 1_700_000_004L);
        expected.put("uptime", 5L);
        expected.put("cgroup_path", "/");
        expected.put("container_id", "");
        expected.put("container_runtime", "");
        expected.put("container_name", "");
        expected.put("pod_uid", "");
        expected.put("is_container_process", 0L);
        expected.put("pid_ns", 4026531836L);
        expected.put("ns_pid", 100L);
        assertEquals(expected, only(exec().uid(1000).argv(bytes("ls\0-l\0my file\0"), 3).build()));
    }

    @Test
    void failedExecOfARelativePathIsResolvedAgainstCwd() {
        Map<String, Object> row = only(exec().exitCode(-2).flags(ProcessRecordLayout.FLAG_PATH_AS_GIVEN)
                .path("./bin/tool").filename("./bin/tool").cwd("/home/u").build());
        assertEquals("-2", row.get("exit_code"));
        assertEquals("/home/u/bin/tool", row.get("path"));
        assertEquals("./bin/tool", row.get("filename"));
    }

    @Test
    void failedExecWithoutFilenameKeepsTheGivenPathAsFilename() {
        Map<String, Object> row = only(exec().exitCode(-13).flags(ProcessRecordLayout.FLAG_PATH_AS_GIVEN)
                .path("tool").filename("").cwd("/tmp/gone (deleted)")
                .flags(ProcessRecordLayout.FLAG_PATH_AS_GIVEN | ProcessRecordLayout.FLAG_CWD_DELETED).build());
        assertEquals("/tmp/gone/tool", row.get("path"));
        assertEquals("tool", row.get("filename"));
        assertEquals("/tmp/gone (deleted)", row.get("cwd"));
    }

    @Test
    void failedExecOfAnAbsolutePathStaysAsGiven() {
        Map<String, Object> row = only(exec().exitCode(-7).flags(ProcessRecordLayout.FLAG_PATH_AS_GIVEN)
                .path("/bin/true").filename("/bin/true").build());
        assertEquals("/bin/true", row.get("path"));
        assertEquals("-7", row.get("exit_code"));
    }

    @Test
    void syscallNamesAndExitCodes() {
        store.append(exec().op(ProcessRecordLayout.OP_EXECVEAT).build());
        store.append(exec().op(ProcessRecordLayout.OP_FORK).exitCode(777).filename("").build());
        store.append(exec().op(ProcessRecordLayout.OP_VFORK).build());
        store.append(exec().op(ProcessRecordLayout.OP_CLONE).build());
        store.append(exec().op(ProcessRecordLayout.OP_CLONE3).build());
        store.append(exec().op(ProcessRecordLayout.OP_EXIT).exitCode(42).build());
        store.append(exec().op(ProcessRecordLayout.OP_EXIT).exitSignal(9).build());
        store.append(exec().op(ProcessRecordLayout.OP_SNAPSHOT).build());
        assertEquals(List.of("execveat", "fork", "vfork", "clone", "clone3", "exit", "exit"),
                column("syscall", QueryConstraints.NONE));
        assertEquals(List.of("0", "0", "0", "0", "0", "42", "0"), column("exit_code", QueryConstraints.NONE));
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 0L, 9L), column("exit_signal", QueryConstraints.NONE));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), column("eid", QueryConstraints.NONE),
                "the snapshot (eid 8) is not a row");
    }

    @Test
    void flagsBecomeColumns() {
        Map<String, Object> row = only(exec().flags(ProcessRecordLayout.FLAG_ARGV_TRUNCATED
                | ProcessRecordLayout.FLAG_PATH_FAULT | ProcessRecordLayout.FLAG_PATH_DELETED)
                .argv(bytes("ls\0-l\0xx"), 3).argvTrueLength(200_000).build());
        assertEquals(1L, row.get("probe_error"));
        assertEquals(1L, row.get("cmdline_truncated"));
        assertEquals(1L, row.get("path_deleted"));
        assertEquals(200_000L, row.get("cmdline_size"));
        assertEquals("ls -l xx", row.get("cmdline"));
    }

    @Test
    void truncationAloneIsNotAProbeError() {
        assertEquals(0L, only(exec().flags(ProcessRecordLayout.FLAG_ARGV_TRUNCATED
                | ProcessRecordLayout.FLAG_CWD_DELETED).build()).get("probe_error"));
    }

    @Test
    void invalidUtf8InPathAndArgumentsIsEscaped() {
        byte[] argv = {'e', 'c', 'h', 'o', 0, (byte) 0xff, 'o', 'k', 0};
        Map<String, Object> row = only(exec().path("/tmp/bad").argv(argv, 2).build());
        assertEquals("echo \\xffok", row.get("cmdline"));
        assertEquals("[\"echo\",\"\\\\xffok\"]", row.get("json_cmdline"));
    }

    @Test
    void eidConstraintsArePushedIntoTheStore() {
        for (int i = 0; i < 6; i++) {
            store.append(exec().pid(200 + i).build());
        }
        QueryConstraints c = QueryConstraints.builder()
                .add("eid", Operator.GREATER_THAN, "2").add("eid", Operator.LESS_OR_EQUAL, 4).build();
        assertEquals(List.of(202L, 203L), column("pid", c), "eids 3 and 4");
        assertEquals(List.of(), column("pid", QueryConstraints.builder().add("eid", Operator.GREATER_THAN, 6).build()));
    }

    @Test
    void timeConstraintsInSecondsSelectWholeSeconds() {
        store.append(exec().pid(1).atBootNanos(9 * SECOND + 999_999_999).build()); // time ...009
        store.append(exec().pid(2).atBootNanos(10 * SECOND).build());              // time ...010
        store.append(exec().pid(3).atBootNanos(10 * SECOND + 999_999_999).build()); // time ...010
        store.append(exec().pid(4).atBootNanos(11 * SECOND).build());              // time ...011
        long t10 = 1_700_000_010L;
        assertEquals(List.of(2L, 3L), column("pid", QueryConstraints.builder().add("time", Operator.EQUALS, t10).build()));
        assertEquals(List.of(4L), column("pid", QueryConstraints.builder().add("time", Operator.GREATER_THAN, t10).build()));
        assertEquals(List.of(2L, 3L, 4L), column("pid", QueryConstraints.builder().add("time", Operator.GREATER_OR_EQUAL, t10).build()));
        assertEquals(List.of(1L), column("pid", QueryConstraints.builder().add("time", Operator.LESS_THAN, t10).build()));
        assertEquals(List.of(1L, 2L, 3L), column("pid", QueryConstraints.builder().add("time", Operator.LESS_OR_EQUAL, t10).build()));
        assertEquals(List.of(), column("pid", QueryConstraints.builder()
                .add("time", Operator.GREATER_THAN, t10).add("time", Operator.LESS_THAN, t10).build()));
    }

    @Test
    void constraintsOnOtherColumnsAreLeftToTheSqlEngine() {
        store.append(exec().pid(1).uid(1).build());
        store.append(exec().pid(2).uid(2).build());
        assertEquals(List.of(1L, 2L), column("pid", QueryConstraints.builder().add("uid", Operator.EQUALS, 2).build()));
    }

    @Test
    void pidAndEidListsDropEventsBeforeTheyAreFormatted() {
        for (int pid = 1; pid <= 5; pid++) {
            store.append(exec().pid(pid).build());
        }
        assertEquals(List.of(2L, 4L), column("pid", QueryConstraints.builder()
                .add("pid", Operator.EQUALS, 4).add("pid", Operator.EQUALS, 2).build()));
        assertEquals(List.of(1L, 5L), column("pid", QueryConstraints.builder()
                .add("eid", Operator.EQUALS, 1).add("eid", Operator.EQUALS, 5).build()));
        assertEquals(List.of(5L), column("pid", QueryConstraints.builder()
                .add("pid", Operator.GREATER_THAN, 3).add("eid", Operator.GREATER_THAN, 4).build()));
    }

    @Test
    void unreadArgumentColumnsAreNotFormatted() {
        store.append(exec().build());
        BitSet used = new BitSet();
        used.set(table.columnIndex("pid"));
        List<Object[]> rows = new ArrayList<>();
        table.generate(QueryConstraints.builder().usedColumns(used).build(), rows::add);
        assertEquals(100L, rows.get(0)[table.columnIndex("pid")]);
        assertNull(rows.get(0)[table.columnIndex("cmdline")]);
        assertNull(rows.get(0)[table.columnIndex("json_cmdline")]);
    }

    @Test
    void aSinkCanStopGeneration() {
        for (int i = 0; i < 5; i++) {
            store.append(exec().build());
        }
        int[] seen = {0};
        table.generate(QueryConstraints.NONE, row -> ++seen[0] < 2);
        assertEquals(2, seen[0]);
    }

    @Test
    void heldEidsFollowTheStore() {
        assertEquals(new LongBounds(1, 0), table.heldEids());
        store.append(exec().build());
        store.append(exec().build());
        assertEquals(new LongBounds(1, 2), table.heldEids());
    }

    @Test
    void secondBoundsWidenToNanoBounds() {
        assertEquals(new LongBounds(10 * SECOND, 12 * SECOND - 1),
                EventQuery.secondsToNanos(new LongBounds(10, 11)));
        assertEquals(LongBounds.ALL, EventQuery.secondsToNanos(LongBounds.ALL));
        assertEquals(new LongBounds(Long.MAX_VALUE, Long.MAX_VALUE),
                EventQuery.secondsToNanos(new LongBounds(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2)));
    }
}
