package io.vajra.osquery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.osquery.thrift.ExtensionResponse;
import io.vajra.table.ProcessEventsTable;
import io.vajra.table.SocketEventsTable;
import io.vajra.table.VajraStatsTable;
import io.vajra.testing.ProcessEventBuilder;
import io.vajra.testing.SocketEventBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.transport.TIOStreamTransport;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;

class TablePluginTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long NOW = ProcessEventBuilder.BOOT_TO_UNIX + 100 * SECOND;

    private final EventStore<ProcessEvent> store = new EventStore<>(new StoreSettings(1000, 1 << 24, 3600), () -> NOW);
    private final StringWriter logged = new StringWriter();
    private final ExtensionLog log = new ExtensionLog(new PrintWriter(logged), false);
    private final ReaderCursors cursors = new ReaderCursors(8, (t, r) -> { });
    private final TablePlugin processes = new TablePlugin(
            new ProcessEventsTable(store, () -> ProcessEventBuilder.BOOT_TO_UNIX), "bpf_process_events", cursors, log);

    private void exec(int pid) {
        store.append(ProcessEventBuilder.exec().pid(pid).build());
    }

    private static String reader(String name) {
        return "{\"constraints\":[{\"name\":\"vajra_reader\",\"affinity\":\"TEXT\",\"list\":[{\"op\":2,\"expr\":\""
                + name + "\"}]}]}";
    }

    private List<Map<String, String>> generate(String context) {
        ExtensionResponse response = processes.call(Map.of("action", "generate", "context", context));
        assertEquals(0, response.getStatus().getCode(), response.getStatus().getMessage());
        return response.getResponse();
    }

    private String refusal(Map<String, String> request) {
        ExtensionResponse response = processes.call(request);
        assertEquals(1, response.getStatus().getCode());
        assertEquals(List.of(), response.getResponse());
        return response.getStatus().getMessage();
    }

    private static List<String> pids(List<Map<String, String>> rows) {
        List<String> pids = new ArrayList<>();
        for (Map<String, String> row : rows) {
            pids.add(row.get("pid"));
        }
        return pids;
    }

    @Test
    void routesListEveryColumnInOrderThenTheReaderThenTheAttributes() {
        List<Map<String, String>> routes = processes.routes();
        int columns = processes.routes().size() - 2;
        assertEquals(Map.of("id", "column", "name", "tid", "type", "BIGINT", "op", "0"), routes.get(0));
        assertEquals(Map.of("id", "column", "name", "pid", "type", "BIGINT", "op", "1"), routes.get(1));
        assertEquals(Map.of("id", "column", "name", "exit_code", "type", "TEXT", "op", "0"), routes.get(6));
        assertEquals(Map.of("id", "column", "name", "probe_error", "type", "INTEGER", "op", "0"), routes.get(7));
        assertEquals(Map.of("id", "column", "name", "json_cmdline", "type", "TEXT", "op", "16"), routes.get(13));
        assertEquals(Map.of("id", "column", "name", "time", "type", "BIGINT", "op", "21"), routes.get(15),
                "HIDDEN 16 + ADDITIONAL 4 + INDEX 1");
        assertEquals(Map.of("id", "column", "name", "eid", "type", "BIGINT", "op", "17"), routes.get(16));
        assertEquals(Map.of("id", "column", "name", "vajra_reader", "type", "TEXT", "op", "20"), routes.get(columns));
        assertEquals(Map.of("id", "attributes", "attributes", "4"), routes.get(columns + 1));
        assertEquals(routes, processes.call(Map.of("action", "columns")).getResponse());
    }

    @Test
    void aTableThatIsNotEventBasedHasNoReaderAndNoAttributes() {
        TablePlugin stats = new TablePlugin(VajraStatsTable.builder().family("process", null, null, null, store).build(),
                "vajra_stats", cursors, log);
        List<Map<String, String>> routes = stats.routes();
        assertEquals(Map.of("id", "attributes", "attributes", "0"), routes.get(routes.size() - 1));
        assertTrue(routes.stream().noneMatch(r -> "vajra_reader".equals(r.get("name"))));
        ExtensionResponse response = stats.call(Map.of("action", "generate", "context", reader("x")));
        assertEquals(0, response.getStatus().getCode());
        assertFalse(response.getResponse().isEmpty());
        assertNull(response.getResponse().get(0).get("vajra_reader"));
    }

    @Test
    void rowsAreTextKeyedByColumnWithNullsLeftOut() {
        exec(7);
        Map<String, String> row = generate("{\"constraints\":[]}").get(0);
        assertEquals("7", row.get("pid"));
        assertEquals("/usr/bin/ls", row.get("path"));
        assertEquals("execve", row.get("syscall"));
        assertEquals("1", row.get("eid"));
        assertFalse(row.containsKey("vajra_reader"));
        List<String> columns = processes.routes().stream().map(r -> r.get("name")).toList();
        for (Map.Entry<String, String> value : row.entrySet()) {
            assertTrue(columns.contains(value.getKey()), value.getKey());
            assertTrue(value.getValue() != null, value.getKey());
        }
        assertEquals(row.entrySet().size(), row.size());
    }

    @Test
    void onlyTheColumnsTheQueryUsesAreSent() {
        exec(7);
        Map<String, String> row = generate("{\"constraints\":[],\"colsUsed\":[\"pid\",\"cmdline\"]}").get(0);
        assertEquals(Map.of("pid", "7", "cmdline", "ls -l"), Map.copyOf(row));
        row = generate("{\"constraints\":[],\"colsUsedBitset\":6}").get(0); // pid, parent
        assertEquals(Map.of("pid", "7", "parent", "1"), Map.copyOf(row));
    }

    @Test
    void pidListsAndRangesNarrowTheRows() {
        for (int pid = 1; pid <= 6; pid++) {
            exec(pid);
        }
        assertEquals(List.of("2", "5"), pids(generate("{\"constraints\":[{\"name\":\"pid\",\"list\":["
                + "{\"op\":2,\"expr\":\"5\"},{\"op\":2,\"expr\":\"2\"}]}]}")));
        assertEquals(List.of("5", "6"), pids(generate("{\"constraints\":[{\"name\":\"eid\",\"list\":["
                + "{\"op\":32,\"expr\":\"5\"}]}]}")));
        assertEquals(List.of("1", "2", "3", "4", "5", "6"), pids(generate("{\"constraints\":[{\"name\":\"path\",\"list\":["
                + "{\"op\":2,\"expr\":\"/nope\"}]}]}")), "text constraints are SQLite's to apply");
        assertEquals(List.of("3"), pids(generate("{\"constraints\":[{\"name\":\"pid\",\"list\":\""
                + "[{\\\"op\\\":\\\"16\\\",\\\"expr\\\":\\\"4\\\"},{\\\"op\\\":\\\"4\\\",\\\"expr\\\":\\\"2\\\"}]\"}]}")));
    }

    @Test
    void eachReaderIsOfferedEveryEventOnceWhileOrdinaryQueriesSeeTheWholeWindow() {
        exec(1);
        exec(2);
        List<Map<String, String>> first = generate(reader("audit"));
        assertEquals(List.of("1", "2"), pids(first));
        assertEquals("audit", first.get(0).get("vajra_reader"), "SQLite re-checks vajra_reader = 'audit'");
        assertEquals(List.of(), generate(reader("audit")));
        exec(3);
        assertEquals(List.of("1", "2", "3"), pids(generate(reader("other"))));
        assertEquals(List.of("3"), pids(generate(reader("audit"))));
        assertEquals(List.of("1", "2", "3"), pids(generate("{}")), "an ad-hoc query moves no cursor");
        exec(4);
        assertEquals(List.of("4"), pids(generate(reader("other"))));
        assertEquals(List.of("4"), pids(generate(reader("audit"))));
    }

    @Test
    void socketEventsHaveReadersOfTheirOwn() {
        EventStore<SocketEvent> sockets = new EventStore<>(new StoreSettings(1000, 1 << 24, 3600), () -> NOW);
        TablePlugin socketEvents = new TablePlugin(new SocketEventsTable(sockets), "bpf_socket_events", cursors, log);
        List<Map<String, String>> routes = socketEvents.routes();
        assertEquals(Map.of("id", "column", "name", "vajra_reader", "type", "TEXT", "op", "20"),
                routes.get(routes.size() - 2));
        assertEquals(Map.of("id", "attributes", "attributes", "4"), routes.get(routes.size() - 1));
        exec(1);
        sockets.append(SocketEventBuilder.connect().pid(11).build());
        sockets.append(SocketEventBuilder.connect().pid(12).build());
        ExtensionResponse first = socketEvents.call(Map.of("action", "generate", "context", reader("audit")));
        assertEquals(List.of("11", "12"), pids(first.getResponse()));
        assertEquals("audit", first.getResponse().get(0).get("vajra_reader"));
        assertEquals("", first.getResponse().get(0).get("errno"), "empty text is kept, NULLs are left out");
        assertFalse(first.getResponse().get(0).containsKey("bytes_sent"));
        sockets.append(SocketEventBuilder.connect().pid(13).build());
        assertEquals(List.of("13"), pids(socketEvents.call(Map.of("action", "generate", "context", reader("audit")))
                .getResponse()));
        assertEquals(List.of("1"), pids(generate(reader("audit"))), "the same reader name, another table's cursor");
    }

    @Test
    void eventsOtherPredicatesExcludeAreStillConsumed() {
        exec(1);
        exec(2);
        assertEquals(List.of("2"), pids(generate("{\"constraints\":[{\"name\":\"vajra_reader\",\"list\":"
                + "[{\"op\":2,\"expr\":\"r\"}]},{\"name\":\"pid\",\"list\":[{\"op\":2,\"expr\":\"2\"}]}]}")));
        exec(3);
        assertEquals(List.of("3"), pids(generate(reader("r"))));
    }

    @Test
    void aReaderThatFellBehindTheStoreIsWarned() {
        EventStore<ProcessEvent> small = new EventStore<>(new StoreSettings(2, 1 << 24, 3600), () -> NOW);
        TablePlugin table = new TablePlugin(new ProcessEventsTable(small, () -> 0), "t", cursors, log);
        small.append(ProcessEventBuilder.exec().pid(1).build());
        table.call(Map.of("action", "generate", "context", reader("slow")));
        for (int pid = 2; pid <= 6; pid++) {
            small.append(ProcessEventBuilder.exec().pid(pid).build());
        }
        ExtensionResponse response = table.call(Map.of("action", "generate", "context", reader("slow")));
        assertEquals(List.of("5", "6"), pids(response.getResponse()));
        assertTrue(logged.toString().contains("vajra: warning: reader slow of t missed 3 events"), logged.toString());
    }

    @Test
    void badRequestsAreRefusedWithAMessage() {
        assertEquals("the request to table bpf_process_events has no action", refusal(Map.of()));
        assertEquals("table bpf_process_events does not support the action \"insert\" (it is read-only: columns"
                + " and generate only)", refusal(Map.of("action", "insert")));
        assertEquals("table bpf_process_events: the generate request has no context",
                refusal(Map.of("action", "generate")));
        assertTrue(refusal(Map.of("action", "generate", "context", "{"))
                .startsWith("table bpf_process_events: malformed context JSON"));
        assertEquals("table bpf_process_events: vajra_reader must name one reader, not 2 (a, b)",
                refusal(Map.of("action", "generate", "context", "{\"constraints\":[{\"name\":\"vajra_reader\",\"list\":"
                        + "[{\"op\":2,\"expr\":\"a\"},{\"op\":2,\"expr\":\"b\"}]}]}")));
        assertEquals("table bpf_process_events: vajra_reader must not be empty",
                refusal(Map.of("action", "generate", "context", reader(""))));
    }

    @Test
    void aRenamedTableKeepsItsColumnsAndServesUnderTheNewName() {
        TablePlugin renamed = processes.renamed("vajra_bpf_process_events");
        assertEquals("vajra_bpf_process_events", renamed.name());
        assertEquals("bpf_process_events", renamed.tableName());
        assertEquals(processes.routes(), renamed.routes());
    }

    @Test
    void aReaderIsOfferedItsEventsAgainWhenTheReplyCannotBeWrittenWhole() throws Exception {
        exec(1);
        exec(2);
        ExtensionResponse response = processes.call(Map.of("action", "generate", "context", reader("audit")));
        TIOStreamTransport hungUp = new TIOStreamTransport(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        });
        assertThrows(TTransportException.class,
                () -> ResponseWriter.writeCallReply(new TBinaryProtocol(hungUp), 1, response));
        assertTrue(logged.toString().contains("reader audit will be offered these events again"), logged.toString());

        ExtensionResponse again = processes.call(Map.of("action", "generate", "context", reader("audit")));
        ResponseWriter.writeCallReply(new TBinaryProtocol(new TMemoryBuffer(1024)), 2, again);
        assertEquals(List.of("1", "2"), pids(again.getResponse()));
        exec(3);
        assertEquals(List.of("3"), pids(generate(reader("audit"))), "delivered once, never offered again");
    }
}
