package io.vajra.table;

import static io.vajra.bpf.SocketRecordLayout.AF_INET;
import static io.vajra.bpf.SocketRecordLayout.AF_INET6;
import static io.vajra.bpf.SocketRecordLayout.AF_UNIX;
import static io.vajra.bpf.SocketRecordLayout.FLAG_BY_EXIT;
import static io.vajra.bpf.SocketRecordLayout.FLAG_LOCAL_ABSTRACT;
import static io.vajra.bpf.SocketRecordLayout.FLAG_NO_SOCKET;
import static io.vajra.bpf.SocketRecordLayout.FLAG_REMOTE_ABSTRACT;
import static io.vajra.bpf.SocketRecordLayout.OP_ACCEPT;
import static io.vajra.bpf.SocketRecordLayout.OP_ACCEPT4;
import static io.vajra.bpf.SocketRecordLayout.OP_BIND;
import static io.vajra.bpf.SocketRecordLayout.OP_CLOSE;
import static io.vajra.bpf.SocketRecordLayout.OP_CONNECT;
import static io.vajra.bpf.SocketRecordLayout.OP_CONNECT_DONE;
import static io.vajra.bpf.SocketRecordLayout.OP_LISTEN;
import static io.vajra.bpf.SocketRecordLayout.OP_SHUTDOWN;
import static io.vajra.bpf.SocketRecordLayout.OP_SOCKET;
import static io.vajra.testing.SocketEventBuilder.BOOT_TO_UNIX;
import static io.vajra.testing.SocketEventBuilder.bytes;
import static io.vajra.testing.SocketEventBuilder.connect;
import static io.vajra.testing.SocketEventBuilder.ipv4;
import static io.vajra.testing.SocketEventBuilder.ipv6;
import static io.vajra.testing.SocketEventBuilder.of;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vajra.container.CgroupContext;
import io.vajra.container.ContainerNames;
import io.vajra.event.EventStore;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.table.QueryConstraints.Operator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketEventsTableTest {
    private static final long SECOND = 1_000_000_000L;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 04000;

    private final EventStore<SocketEvent> store = new EventStore<>(StoreSettings.defaults(),
            () -> BOOT_TO_UNIX + 100 * SECOND);
    private final SocketEventsTable table = new SocketEventsTable(store);

    private Map<String, Object> only(SocketEvent event) {
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

    /** The columns that describe what happened, for compact assertions. */
    private static Map<String, Object> what(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String c : List.of("syscall", "action", "status", "exit_code", "errno", "fd", "family", "type",
                "protocol", "local_address", "local_port", "remote_address", "remote_port")) {
            out.put(c, row.get(c));
        }
        return out;
    }

    private static Map<String, Object> what(String syscall, String action, String status, String exitCode,
            String errno, String fd, long family, long type, long protocol, String local, long localPort,
            String remote, long remotePort) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("syscall", syscall);
        out.put("action", action);
        out.put("status", status);
        out.put("exit_code", exitCode);
        out.put("errno", errno);
        out.put("fd", fd);
        out.put("family", family);
        out.put("type", type);
        out.put("protocol", protocol);
        out.put("local_address", local);
        out.put("local_port", localPort);
        out.put("remote_address", remote);
        out.put("remote_port", remotePort);
        return out;
    }

    @Test
    void keepsOsquerysColumnsInOrderThenAddsVajras() {
        List<String> names = table.columns().stream().map(Column::name).toList();
        assertEquals(List.of("tid", "pid", "parent", "uid", "gid", "cid", "exit_code", "probe_error", "syscall",
                "path", "fd", "family", "type", "protocol", "local_address", "remote_address", "local_port",
                "remote_port", "duration", "ntime", "time", "eid",
                "action", "status", "errno", "cmdline", "bytes_sent", "bytes_received", "lifetime", "netns", "comm",
                "uptime", "cgroup_path", "container_id", "container_runtime", "container_name", "pod_uid",
                "is_container_process", "pid_ns", "ns_pid"), names);
        assertEquals("bpf_socket_events", table.name());
    }

    @Test
    void typesAndOptionsMatchOsquery() {
        Map<String, String> described = new LinkedHashMap<>();
        for (Column c : table.columns()) {
            if (c.description().isBlank()) {
                throw new AssertionError(c.name() + " has no description");
            }
            described.put(c.name(), c.type().toString());
        }
        for (String bigint : List.of("tid", "pid", "parent", "uid", "gid", "cid", "duration", "time", "eid",
                "bytes_sent", "bytes_received", "lifetime", "netns")) {
            assertEquals("BIGINT", described.get(bigint), bigint);
        }
        for (String integer : List.of("probe_error", "family", "type", "protocol", "local_port", "remote_port")) {
            assertEquals("INTEGER", described.get(integer), integer);
        }
        for (String text : List.of("exit_code", "syscall", "path", "fd", "local_address", "remote_address", "ntime",
                "action", "status", "cmdline")) {
            assertEquals("TEXT", described.get(text), text);
        }
        assertEquals(Set.of(ColumnOption.HIDDEN, ColumnOption.INDEX),
                table.columns().get(table.columnIndex("eid")).options());
        assertEquals(Set.of(ColumnOption.HIDDEN, ColumnOption.ADDITIONAL, ColumnOption.INDEX),
                table.columns().get(table.columnIndex("time")).options());
        assertEquals(Set.of(ColumnOption.INDEX), table.columns().get(table.columnIndex("pid")).options());
    }

    @Test
    void aConnectRowHasEveryColumn() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("tid", 101L);
        expected.put("pid", 100L);
        expected.put("parent", 1L);
        expected.put("uid", 1000L);
        expected.put("gid", 0L);
        expected.put("cid", 4242L);
        expected.put("exit_code", "0");
        expected.put("probe_error", 0L);
        expected.put("syscall", "connect");
        expected.put("path", "/usr/bin/curl");
        expected.put("fd", "3");
        expected.put("family", 2L);
        expected.put("type", 1L);
        expected.put("protocol", 6L);
        expected.put("local_address", "127.0.0.1");
        expected.put("remote_address", "10.1.2.3");
        expected.put("local_port", 40000L);
        expected.put("remote_port", 443L);
        expected.put("duration", 2000L);
        expected.put("ntime", "5000000000");
        expected.put("time", 1_700_000_005L);
        expected.put("eid", 1L);
        expected.put("action", "connect");
        expected.put("status", "succeeded");
        expected.put("errno", "");
        expected.put("cmdline", "curl 'http://127.0.0.1:8080/a b'");
        expected.put("bytes_sent", null);
        expected.put("bytes_received", null);
        expected.put("lifetime", null);
        expected.put("netns", 4026531840L);
        expected.put("comm", "curl");
        expected.put("uptime", 5L);
        expected.put("cgroup_path", "/");
        expected.put("container_id", "");
        expected.put("container_runtime", "");
        expected.put("container_name", "");
        expected.put("pod_uid", "");
        expected.put("is_container_process", 0L);
        expected.put("pid_ns", 4026531836L);
        expected.put("ns_pid", 100L);
        assertEquals(expected, only(connect().tid(101).uid(1000).remote(ipv4(10, 1, 2, 3), 443).build()));
    }

    @Test
    void eachOpAsARow() {
        byte[] lo = ipv4(127, 0, 0, 1);
        byte[] none = new byte[16];
        store.append(of(OP_SOCKET).ret(3).fd(3).local(none, 0).remote(none, 0).build());
        store.append(of(OP_BIND).local(lo, 8080).remote(none, 0).build());
        store.append(of(OP_LISTEN).local(lo, 8080).remote(none, 0).build());
        store.append(of(OP_ACCEPT4).ret(4).fd(4).local(lo, 8080).remote(lo, 40000).build());
        store.append(of(OP_ACCEPT).ret(5).fd(5).local(lo, 8080).remote(lo, 40001).build());
        store.append(of(OP_SHUTDOWN).fd(4).local(lo, 8080).remote(lo, 40000).build());
        store.append(of(OP_CLOSE).fd(4).local(lo, 8080).remote(lo, 40000).build());
        List<Map<String, Object>> rows = TableRows.of(table);
        assertEquals(List.of(
                what("socket", "socket", "succeeded", "3", "", "3", 2, 1, 6, "", 0, "", 0),
                what("bind", "bind", "succeeded", "0", "", "3", 2, 1, 6, "127.0.0.1", 8080, "", 0),
                what("listen", "listen", "succeeded", "0", "", "3", 2, 1, 6, "127.0.0.1", 8080, "", 0),
                what("accept4", "accept", "succeeded", "4", "", "4", 2, 1, 6, "127.0.0.1", 8080, "127.0.0.1", 40000),
                what("accept", "accept", "succeeded", "5", "", "5", 2, 1, 6, "127.0.0.1", 8080, "127.0.0.1", 40001),
                what("shutdown", "shutdown", "succeeded", "0", "", "4", 2, 1, 6, "127.0.0.1", 8080, "127.0.0.1", 40000),
                what("close", "close", "succeeded", "0", "", "4", 2, 1, 6, "127.0.0.1", 8080, "127.0.0.1", 40000)),
                rows.stream().map(SocketEventsTableTest::what).toList());
    }

    @Test
    void failuresCarryTheErrorInExitCodeStatusAndErrno() {
        Map<String, Object> refused = only(connect().ret(-111).build());
        assertEquals("-111", refused.get("exit_code"));
        assertEquals("failed", refused.get("status"));
        assertEquals("ECONNREFUSED", refused.get("errno"));
        store.append(of(OP_BIND).ret(-98).build());
        store.append(of(OP_SOCKET).ret(-97).fd(-1).build());
        assertEquals(List.of("ECONNREFUSED", "EADDRINUSE", "EAFNOSUPPORT"), column("errno", QueryConstraints.NONE));
        assertEquals(List.of("failed", "failed", "failed"), column("status", QueryConstraints.NONE));
        assertEquals(List.of("3", "3", "-1"), column("fd", QueryConstraints.NONE));
    }

    @Test
    void nonBlockingConnectIsInProgressThenItsOutcome() {
        store.append(connect().ret(-115).duration(900).build());
        store.append(of(OP_CONNECT_DONE).ret(0).duration(50_000).build());
        store.append(connect().ret(-115).build());
        store.append(of(OP_CONNECT_DONE).ret(-111).build());
        assertEquals(List.of("connect", "connect", "connect", "connect"), column("syscall", QueryConstraints.NONE));
        assertEquals(List.of("connect", "connect", "connect", "connect"), column("action", QueryConstraints.NONE));
        assertEquals(List.of("in_progress", "succeeded", "in_progress", "failed"), column("status", QueryConstraints.NONE));
        assertEquals(List.of("-115", "0", "-115", "-111"), column("exit_code", QueryConstraints.NONE));
        assertEquals(List.of("EINPROGRESS", "", "EINPROGRESS", "ECONNREFUSED"), column("errno", QueryConstraints.NONE));
        assertEquals(List.of(900L, 50_000L), column("duration", QueryConstraints.NONE).subList(0, 2));
    }

    @Test
    void aTcpSocketClosedByItsProcessExitingIsAnExitRow() {
        Map<String, Object> row = only(of(OP_CLOSE).flags(FLAG_BY_EXIT).fd(-1).bytes(10, 20).lifetime(SECOND).build());
        assertEquals("exit", row.get("syscall"), "no close call was made");
        assertEquals("close", row.get("action"));
        assertEquals("succeeded", row.get("status"));
        assertEquals("-1", row.get("fd"));
        assertEquals(10L, row.get("bytes_sent"));
        assertEquals(SECOND, row.get("lifetime"));
        store.append(of(OP_SHUTDOWN).flags(FLAG_BY_EXIT).build());
        assertEquals("shutdown", TableRows.of(table).get(1).get("syscall"), "the flag only means something on close");
    }

    @Test
    void acceptWithNoClientWaitingIsNoClient() {
        store.append(of(OP_ACCEPT4).ret(-11).build());
        store.append(of(OP_ACCEPT).ret(-11).build());
        store.append(of(OP_ACCEPT).ret(-24).build());
        store.append(connect().ret(-11).build());
        assertEquals(List.of("no_client", "no_client", "failed", "failed"), column("status", QueryConstraints.NONE));
    }

    @Test
    void missingSocketDataIsWhatOsqueryShowed() {
        Map<String, Object> row = only(of(OP_CLOSE).flags(FLAG_NO_SOCKET).fd(7).build());
        assertEquals(1L, row.get("probe_error"));
        assertEquals(-1L, row.get("family"));
        assertEquals(-1L, row.get("type"));
        assertEquals(-1L, row.get("protocol"));
        assertEquals("", row.get("local_address"));
        assertEquals("", row.get("remote_address"));
        assertEquals(0L, row.get("local_port"));
        assertEquals(0L, row.get("remote_port"));
        assertEquals("7", row.get("fd"), "the fd is the syscall's, known even without the socket");
    }

    @Test
    void ipv6AddressesAreRfc5952() {
        Map<String, Object> row = only(connect().socket(AF_INET6, SOCK_STREAM, 6)
                .local(ipv6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), 50000)
                .remote(ipv6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201), 80).build());
        assertEquals("2001:db8::1:0:0:1", row.get("local_address"));
        assertEquals("::ffff:192.0.2.1", row.get("remote_address"));
        assertEquals(10L, row.get("family"));
    }

    @Test
    void anEndWithoutAddressIsEmptyButAWildcardBindIsShown() {
        byte[] none = new byte[16];
        store.append(of(OP_LISTEN).local(none, 8080).remote(none, 0).build());
        store.append(of(OP_LISTEN).socket(AF_INET6, SOCK_STREAM, 6).local(none, 8080).remote(none, 0).build());
        store.append(of(OP_SOCKET).socket(AF_INET6, SOCK_DGRAM, 17).local(none, 0).remote(none, 0).build());
        assertEquals(List.of("0.0.0.0", "::", ""), column("local_address", QueryConstraints.NONE));
        assertEquals(List.of("", "", ""), column("remote_address", QueryConstraints.NONE));
    }

    @Test
    void unixSocketsShowPathsAndAbstractNames() {
        store.append(of(OP_BIND).unix(SOCK_STREAM, bytes("/run/app.sock"), new byte[0]).build());
        store.append(connect().unix(SOCK_DGRAM, new byte[0], bytes("/dev/log")).build());
        store.append(of(OP_ACCEPT4).unix(SOCK_STREAM, bytes("dbus-x\0y"), bytes("12ab3"))
                .flags(FLAG_LOCAL_ABSTRACT | FLAG_REMOTE_ABSTRACT).build());
        List<Map<String, Object>> rows = TableRows.of(table);
        assertEquals(List.of("/run/app.sock", "", "@dbus-x@y"), rows.stream().map(r -> r.get("local_address")).toList());
        assertEquals(List.of("", "/dev/log", "@12ab3"), rows.stream().map(r -> r.get("remote_address")).toList());
        assertEquals(List.of(0L, 0L, 0L), rows.stream().map(r -> r.get("local_port")).toList());
        assertEquals(List.of((long) AF_UNIX, (long) AF_UNIX, (long) AF_UNIX), rows.stream().map(r -> r.get("family")).toList());
        assertEquals(List.of(1L, 2L, 1L), rows.stream().map(r -> r.get("type")).toList());
        assertEquals(List.of(0L, 0L, 0L), rows.stream().map(r -> r.get("protocol")).toList());
    }

    @Test
    void otherFamiliesHaveNoAddresses() {
        Map<String, Object> row = only(of(OP_SOCKET).socket(16, 3, 0).local(ipv4(1, 2, 3, 4), 9).build());
        assertEquals(16L, row.get("family"), "AF_NETLINK");
        assertEquals("", row.get("local_address"));
        assertEquals(9L, row.get("local_port"), "ports are the kernel's, whatever the family");
    }

    @Test
    void theTypeLosesSocketCallFlags() {
        assertEquals(1L, only(of(OP_SOCKET).socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 6).build()).get("type"));
    }

    @Test
    void bytesAndLifetimeOnlyWhenKnown() {
        store.append(of(OP_CLOSE).bytes(5, 7).lifetime(3 * SECOND).build());
        store.append(of(OP_SHUTDOWN).bytes(0, 0).build());
        store.append(of(OP_CLOSE).socket(AF_INET, SOCK_DGRAM, 17).lifetime(10).build());
        store.append(of(OP_CLOSE).build());
        assertEquals(java.util.Arrays.asList(5L, 0L, null, null), column("bytes_sent", QueryConstraints.NONE));
        assertEquals(java.util.Arrays.asList(7L, 0L, null, null), column("bytes_received", QueryConstraints.NONE));
        assertEquals(java.util.Arrays.asList(3 * SECOND, null, 10L, null), column("lifetime", QueryConstraints.NONE));
    }

    @Test
    void unknownProcessHasEmptyPathAndCmdline() {
        Map<String, Object> row = only(connect().process("", new byte[0]).build());
        assertEquals("", row.get("path"));
        assertEquals("", row.get("cmdline"));
        assertEquals("curl", row.get("comm"));
    }

    @Test
    void cmdlineIsQuotedAsOsqueryDidAndOnlyBuiltWhenRead() {
        store.append(connect().process("/usr/bin/perl", bytes("perl\0-e\0print 1\0\0x\0")).build());
        assertEquals(List.of("perl -e 'print 1'  x"), column("cmdline", QueryConstraints.NONE));
        BitSet used = new BitSet();
        used.set(table.columnIndex("pid"));
        List<Object[]> rows = new ArrayList<>();
        table.generate(QueryConstraints.builder().usedColumns(used).build(), rows::add);
        assertEquals(100L, rows.get(0)[table.columnIndex("pid")]);
        assertNull(rows.get(0)[table.columnIndex("cmdline")]);
    }

    @Test
    void unsignedIdsAndNamespaces() {
        Map<String, Object> row = only(connect().uid(-2).netns(-1).pidNamespace(-3, 7).build());
        assertEquals(4294967294L, row.get("uid"));
        assertEquals(4294967295L, row.get("netns"));
        assertEquals(4294967293L, row.get("pid_ns"));
        assertEquals(7L, row.get("ns_pid"));
    }

    @Test
    void containerColumnsAreThoseOfProcessEvents(@TempDir Path dir) throws Exception {
        String id = "a".repeat(64);
        Path config = dir.resolve("docker/containers").resolve(id);
        Files.createDirectories(config);
        Files.writeString(config.resolve("config.v2.json"), "{\"Name\":\"/web\"}");
        SocketEventsTable named = new SocketEventsTable(store,
                new ContainerNames(dir.resolve("docker"), dir.resolve("storage")));
        store.append(connect().cgroup(new CgroupContext("/system.slice/docker-" + id + ".scope", id, "docker", ""))
                .pidNamespace(77, 1).build());
        Map<String, Object> row = TableRows.of(named).get(0);
        assertEquals(id, row.get("container_id"));
        assertEquals("docker", row.get("container_runtime"));
        assertEquals("web", row.get("container_name"));
        assertEquals(1L, row.get("is_container_process"));
        assertEquals("/system.slice/docker-" + id + ".scope", row.get("cgroup_path"));
        assertEquals(77L, row.get("pid_ns"));
        assertEquals(1L, row.get("ns_pid"));
    }

    @Test
    void eventsNotYetAttributedReadAsUnknown() {
        Map<String, Object> row = only(connect().cgroup(null).build());
        assertEquals("", row.get("cgroup_path"));
        assertEquals(0L, row.get("is_container_process"));
    }

    @Test
    void eidTimeAndPidConstraintsArePushedDown() {
        for (int pid = 1; pid <= 5; pid++) {
            store.append(connect().pid(pid).atBootNanos((9 + pid) * SECOND).build()); // time ...010 to ...014
        }
        assertEquals(List.of(3L, 4L), column("pid", QueryConstraints.builder()
                .add("eid", Operator.GREATER_THAN, 2).add("eid", Operator.LESS_OR_EQUAL, 4).build()));
        assertEquals(List.of(2L, 4L), column("pid", QueryConstraints.builder()
                .add("pid", Operator.EQUALS, 4).add("pid", Operator.EQUALS, 2).build()));
        assertEquals(List.of(2L, 3L), column("pid", QueryConstraints.builder()
                .add("time", Operator.GREATER_OR_EQUAL, 1_700_000_011L)
                .add("time", Operator.LESS_THAN, 1_700_000_013L).build()));
        assertEquals(List.of(), column("pid", QueryConstraints.builder()
                .add("pid", Operator.GREATER_THAN, 3).add("pid", Operator.LESS_THAN, 2).build()));
        assertEquals(List.of(1L, 2L), column("pid", QueryConstraints.builder().add("uid", Operator.EQUALS, 9).build())
                .subList(0, 2), "other columns are left to the SQL engine");
    }

    @Test
    void aSinkCanStopGeneration() {
        for (int i = 0; i < 5; i++) {
            store.append(connect().build());
        }
        int[] seen = {0};
        table.generate(QueryConstraints.NONE, row -> ++seen[0] < 2);
        assertEquals(2, seen[0]);
    }

    @Test
    void heldEidsFollowTheStore() {
        assertEquals(new LongBounds(1, 0), table.heldEids());
        store.append(connect().build());
        assertEquals(new LongBounds(1, 1), table.heldEids());
    }
}
