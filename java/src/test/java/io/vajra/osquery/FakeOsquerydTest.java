package io.vajra.osquery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.osquery.thrift.Extension;
import io.vajra.osquery.thrift.ExtensionManager;
import io.vajra.osquery.thrift.ExtensionResponse;
import io.vajra.osquery.thrift.ExtensionStatus;
import io.vajra.osquery.thrift.InternalExtensionInfo;
import io.vajra.osquery.thrift.InternalOptionInfo;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.server.ServerContext;
import org.apache.thrift.server.TServerEventHandler;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The osqueryd double itself, against a tiny extension written here with the generated IDL. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FakeOsquerydTest {
    @TempDir
    Path dir;

    /** A minimal extension: one table {@code tiny} with one column, served on {@code <socket>.<uuid>}. */
    static final class TinyExtension implements Extension.Iface, AutoCloseable {
        final AtomicInteger pings = new AtomicInteger();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicInteger shutdowns = new AtomicInteger();
        volatile long callMillis;
        long uuid;
        TThreadPoolServer server;
        Thread serveThread;

        static List<Map<String, String>> routes(String column) {
            return List.of(
                    Map.of("id", "column", "name", column, "type", "TEXT", "op", "0"),
                    Map.of("id", "attributes", "attributes", "4"));
        }

        /** Registers with the manager; returns the status. */
        static ExtensionStatus register(Path manager, String name, String sdk, String... tables) throws TException {
            Map<String, List<Map<String, String>>> tableRoutes = new LinkedHashMap<>();
            for (String t : tables) {
                tableRoutes.put(t, routes("value"));
            }
            try (TTransport transport = UnixSocketTransport.connect(manager)) {
                ExtensionManager.Client client = new ExtensionManager.Client(new TBinaryProtocol(transport));
                return client.registerExtension(new InternalExtensionInfo(name, "1.0", sdk, "0.0.0"),
                        Map.of("table", tableRoutes));
            }
        }

        static TinyExtension start(FakeOsqueryd osqueryd, String name, String... tables) throws Exception {
            ExtensionStatus status = register(osqueryd.socket(), name, "5.12.1", tables);
            assertEquals(0, status.getCode(), status.getMessage());
            TinyExtension ext = new TinyExtension();
            ext.uuid = status.getUuid();
            ext.serve(osqueryd.extensionSocket(ext.uuid));
            return ext;
        }

        void serve(Path socket) throws Exception {
            // serve() listens; listening twice would bind a second socket and orphan the first.
            UnixServerTransport transport = new UnixServerTransport(socket);
            server = new TThreadPoolServer(new TThreadPoolServer.Args(transport)
                    .processor(new Extension.Processor<>(this))
                    .protocolFactory(new TBinaryProtocol.Factory())
                    .minWorkerThreads(1)
                    .stopTimeoutVal(1));
            server.setServerEventHandler(new TServerEventHandler() {
                @Override
                public void preServe() {
                }

                @Override
                public ServerContext createContext(TProtocol input, TProtocol output) {
                    connections.incrementAndGet();
                    return null;
                }

                @Override
                public void deleteContext(ServerContext context, TProtocol input, TProtocol output) {
                }

                @Override
                public void processContext(ServerContext context, TTransport in, TTransport out) {
                }
            });
            serveThread = new Thread(server::serve, "tiny-extension");
            serveThread.setDaemon(true);
            serveThread.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!server.isServing() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(server.isServing(), "tiny extension serving");
        }

        @Override
        public ExtensionStatus ping() {
            pings.incrementAndGet();
            return new ExtensionStatus(0, "pong", uuid);
        }

        @Override
        public ExtensionResponse call(String registry, String item, Map<String, String> request) {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                if (callMillis > 0) {
                    Thread.sleep(callMillis);
                }
                if (!"table".equals(registry) || !item.startsWith("tiny")) {
                    return new ExtensionResponse(new ExtensionStatus(1, "unknown " + registry + "/" + item, uuid), List.of());
                }
                switch (request.getOrDefault("action", "")) {
                    case "columns":
                        return new ExtensionResponse(new ExtensionStatus(0, "OK", uuid), routes("value"));
                    case "generate":
                        return new ExtensionResponse(new ExtensionStatus(0, "OK", uuid),
                                List.of(Map.of("value", item + ":" + request.get("context"))));
                    default:
                        return new ExtensionResponse(new ExtensionStatus(1, "unknown action", uuid), List.of());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ExtensionResponse(new ExtensionStatus(2, "interrupted", uuid), List.of());
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public void shutdown() {
            shutdowns.incrementAndGet();
        }

        @Override
        public void close() {
            if (server != null) {
                server.stop();
                try {
                    serveThread.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static ExtensionManager.Client manager(TTransport transport) {
        return new ExtensionManager.Client(new TBinaryProtocol(transport));
    }

    @Test
    void registersWithIncreasingUuidsAndListsExtensions() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir).start();
                TTransport transport = UnixSocketTransport.connect(osqueryd.socket())) {
            ExtensionManager.Client client = manager(transport);
            assertEquals(0, client.ping().getCode());
            assertEquals(1, osqueryd.managerPings());

            ExtensionStatus a = TinyExtension.register(osqueryd.socket(), "a", "0.0.0", "tiny_a");
            ExtensionStatus b = TinyExtension.register(osqueryd.socket(), "b", "1.7.7", "tiny_b");
            assertEquals(0, a.getCode(), a.getMessage());
            assertEquals(0, b.getCode(), b.getMessage());
            assertTrue(a.getUuid() > 0);
            assertEquals(a.getUuid() + 1, b.getUuid(), "uuids increase");

            Map<Long, InternalExtensionInfo> list = client.extensions();
            assertEquals(2, list.size());
            assertEquals("a", list.get(a.getUuid()).getName());
            assertEquals("1.7.7", list.get(b.getUuid()).getSdk_version());
            assertEquals(a.getUuid(), osqueryd.ownerOf("tiny_a"));

            assertEquals(0, client.deregisterExtension(a.getUuid()).getCode());
            assertEquals(1, client.deregisterExtension(a.getUuid()).getCode(), "already gone");
            assertEquals(List.of(b.getUuid()), new ArrayList<>(client.extensions().keySet()));
        }
    }

    @Test
    void uuidsStartAtRandom() throws Exception {
        long first;
        try (FakeOsqueryd one = FakeOsqueryd.builder(dir.resolve("1")).start()) {
            first = TinyExtension.register(one.socket(), "x", "0.0.0", "tiny").getUuid();
        }
        for (int i = 0; i < 5; i++) {
            try (FakeOsqueryd other = FakeOsqueryd.builder(dir.resolve("o" + i)).start()) {
                if (TinyExtension.register(other.socket(), "x", "0.0.0", "tiny").getUuid() != first) {
                    return;
                }
            }
        }
        throw new AssertionError("six managers all started at uuid " + first);
    }

    @Test
    void refusesDuplicateNamesOldSdksAndOwnedTables() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir)
                .coreTables(FakeOsqueryd.OSQUERY_523_BPF_TABLES.toArray(String[]::new)).start()) {
            Path socket = osqueryd.socket();
            ExtensionStatus first = TinyExtension.register(socket, "ext", "5.0.0", "tiny");
            assertEquals(0, first.getCode());

            ExtensionStatus dup = TinyExtension.register(socket, "ext", "5.0.0", "tiny_other");
            assertEquals(1, dup.getCode());

            assertEquals(1, TinyExtension.register(socket, "old", "1.7.6", "t1").getCode());
            assertEquals(1, TinyExtension.register(socket, "old", "1.6.99", "t1").getCode());
            assertEquals(1, TinyExtension.register(socket, "bad", "", "t1").getCode());
            assertEquals(1, TinyExtension.register(socket, "bad", "x.y", "t1").getCode());
            assertEquals(0, TinyExtension.register(socket, "zero", "0.0.0", "t_zero").getCode());
            assertEquals(0, TinyExtension.register(socket, "min", "1.7.7", "t_min").getCode());
            assertEquals(0, TinyExtension.register(socket, "new", "1.10.0", "t_new").getCode());

            ExtensionStatus core = TinyExtension.register(socket, "vajra", "5.12.1", "vajra_stats", "bpf_process_events");
            assertEquals(1, core.getCode());
            assertEquals("Registry item bpf_process_events conflicts with another item of the same name.",
                    core.getMessage());
            ExtensionStatus socketTable = TinyExtension.register(socket, "vajra", "5.12.1", "bpf_socket_events");
            assertEquals(FakeOsqueryd.conflictMessage("bpf_socket_events"), socketTable.getMessage());

            ExtensionStatus taken = TinyExtension.register(socket, "thief", "5.12.1", "tiny");
            assertEquals(1, taken.getCode());
            assertEquals(FakeOsqueryd.conflictMessage("tiny"), taken.getMessage());
            assertFalse(osqueryd.registrations().stream().anyMatch(r -> r.info().getName().equals("thief")),
                    "a refused registration leaves nothing behind");

            osqueryd.deregisterExtension(first.getUuid());
            assertEquals(0, TinyExtension.register(socket, "thief", "5.12.1", "tiny").getCode(),
                    "a deregistered extension's tables are free again");
            assertTrue(osqueryd.attempts().size() >= 12);
        }
    }

    @Test
    void optionsAndConfigAreWhatOsquerydWouldSay() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir)
                .option("disable_events", "true")
                .option("events_max", "1234")
                .withoutOption("enable_bpf_events")
                .config("main", "{\"schedule\":{\"q1\":{\"query\":\"SELECT 1\",\"interval\":10}}}")
                .start();
                TTransport transport = UnixSocketTransport.connect(osqueryd.socket())) {
            ExtensionManager.Client client = manager(transport);
            Map<String, InternalOptionInfo> options = client.options();
            assertEquals("true", options.get("disable_events").getValue());
            assertEquals("false", options.get("disable_events").getDefault_value());
            assertEquals("1234", options.get("events_max").getValue());
            assertEquals("3600", options.get("events_expiry").getValue());
            assertEquals("filesystem", options.get("config_plugin").getValue());
            assertEquals("3", options.get("extensions_interval").getValue());
            assertEquals(osqueryd.socket().toString(), options.get("extensions_socket").getValue());
            assertFalse(options.containsKey("enable_bpf_events"));

            ExtensionResponse config = client.call("config", "filesystem", Map.of("action", "genConfig"));
            assertEquals(0, config.getStatus().getCode());
            assertEquals(List.of(Map.of("main", "{\"schedule\":{\"q1\":{\"query\":\"SELECT 1\",\"interval\":10}}}")),
                    config.getResponse());
            assertEquals(1, client.call("config", "nope", Map.of("action", "genConfig")).getStatus().getCode());
            assertEquals(1, client.query("SELECT 1").getStatus().getCode());
        }
    }

    @Test
    void pingsTheExtensionOnNewConnectionsAndDropsItAfterTwoFailures() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir).pingInterval(Duration.ofMillis(100)).start()) {
            TinyExtension ext = TinyExtension.start(osqueryd, "pinged", "tiny");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // the manager counts a ping good once the reply is back, after the extension counted it
            while ((ext.pings.get() < 3 || osqueryd.goodPings(ext.uuid) < 3) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(ext.pings.get() >= 3, "pinged: " + ext.pings.get());
            assertTrue(osqueryd.goodPings(ext.uuid) >= 3);
            assertTrue(ext.connections.get() >= ext.pings.get(), "one connection per ping: "
                    + ext.connections.get() + " connections, " + ext.pings.get() + " pings");
            assertTrue(osqueryd.registration(ext.uuid).isPresent());

            ext.close();
            assertTrue(osqueryd.awaitRemoved(ext.uuid, Duration.ofSeconds(5)), osqueryd.events().toString());
            assertTrue(osqueryd.events().stream().anyMatch(e -> e.contains("after 2 failed pings")));
        }
    }

    @Test
    void callsTablesConcurrentlyEachOnItsOwnConnection() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir).start();
                TinyExtension ext = TinyExtension.start(osqueryd, "calls", "tiny", "tiny_two")) {
            assertEquals(TinyExtension.routes("value"), osqueryd.columns("tiny"));
            assertEquals(TinyExtension.routes("value"), osqueryd.onlyExtension().routes("tiny"));
            String context = FakeQueryContext.forRoutes(osqueryd.columns("tiny")).where("value", FakeQueryContext.EQUALS, "x").toJson();
            assertEquals(List.of(Map.of("value", "tiny_two:" + context)), osqueryd.generate("tiny_two", context));

            FakeOsqueryd.CallFailedException failed = assertThrows(FakeOsqueryd.CallFailedException.class,
                    () -> osqueryd.callTable("tiny", Map.of("action", "explode")));
            assertEquals(1, failed.code());
            assertEquals("unknown action", failed.statusMessage());
            assertEquals(1, osqueryd.callExtension(ext.uuid, "table", "nope", Map.of()).getStatus().getCode());

            ext.callMillis = 30;
            int before = ext.connections.get();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<List<Map<String, String>>>> results = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    String ctx = "{\"n\":" + i + "}";
                    Callable<List<Map<String, String>>> call = () -> osqueryd.generate("tiny", ctx);
                    results.add(pool.submit(call));
                }
                for (int i = 0; i < results.size(); i++) {
                    assertEquals(List.of(Map.of("value", "tiny:{\"n\":" + i + "}")), results.get(i).get());
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(ext.maxInFlight.get() > 1, "calls overlapped: " + ext.maxInFlight.get());
            assertTrue(ext.connections.get() - before >= 32, "a connection per call");

            osqueryd.shutdownExtension();
            assertEquals(1, ext.shutdowns.get());
            assertEquals(0, osqueryd.pingExtension(ext.uuid).getCode());
        }
    }

    @Test
    void callsToAHungExtensionTimeOut() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir).callTimeout(Duration.ofMillis(300)).start();
                TinyExtension ext = TinyExtension.start(osqueryd, "slow", "tiny")) {
            ext.callMillis = 5000;
            long start = System.nanoTime();
            assertThrows(TTransportException.class, () -> osqueryd.columns("tiny"));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        }
    }

    @Test
    void rawConnectionsReachTheExtensionSocket() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir).start();
                TinyExtension ext = TinyExtension.start(osqueryd, "raw", "tiny");
                SocketChannel raw = osqueryd.rawConnectToExtension()) {
            raw.write(ByteBuffer.wrap(new byte[] {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 9}));
            raw.shutdownOutput();
            ByteBuffer answer = ByteBuffer.allocate(16);
            assertEquals(-1, raw.read(answer), "the server drops a connection that speaks no Thrift");
            assertEquals(0, osqueryd.pingExtension(ext.uuid).getCode());
        }
    }

    @Test
    void stopClosesTheSocketAndEveryConnection() throws Exception {
        FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir).start();
        Path socket = osqueryd.socket();
        assertTrue(Files.exists(socket));
        TTransport open = UnixSocketTransport.connect(socket);
        ExtensionManager.Client client = manager(open);
        assertEquals(0, client.ping().getCode());

        osqueryd.stop();
        assertFalse(Files.exists(socket), "socket file removed");
        assertThrows(TException.class, client::ping, "an open connection is closed too");
        open.close();
        assertThrows(TTransportException.class, () -> UnixSocketTransport.connect(socket));
        osqueryd.stop(); // idempotent
    }

    @Test
    void contextJsonHasEveryColumnAndBothForms() {
        List<Map<String, String>> routes = List.of(
                Map.of("id", "column", "name", "pid", "type", "BIGINT", "op", "0"),
                Map.of("id", "column", "name", "cmd\"line", "type", "TEXT", "op", "0"),
                Map.of("id", "attributes", "attributes", "4"));
        FakeQueryContext context = FakeQueryContext.forRoutes(routes).whereIn("pid", 7, 9);
        assertEquals("{\"constraints\":[{\"name\":\"pid\",\"list\":[{\"op\":2,\"expr\":\"7\"},{\"op\":2,\"expr\":\"9\"}],"
                + "\"affinity\":\"BIGINT\"},{\"name\":\"cmd\\\"line\",\"list\":[],\"affinity\":\"TEXT\"}],"
                + "\"colsUsed\":[\"pid\",\"cmd\\\"line\"],\"colsUsedBitset\":3}", context.toJson());
        assertEquals("{\"constraints\":[{\"name\":\"pid\",\"list\":[{\"op\":\"2\",\"expr\":\"7\"},{\"op\":\"2\",\"expr\":\"9\"}],"
                + "\"affinity\":\"BIGINT\"},{\"name\":\"cmd\\\"line\",\"list\":\"\",\"affinity\":\"TEXT\"}]}",
                context.toLegacyJson());
        assertEquals("{\"constraints\":[{\"name\":\"pid\",\"list\":[],\"affinity\":\"BIGINT\"},"
                + "{\"name\":\"cmd\\\"line\",\"list\":[],\"affinity\":\"TEXT\"}],\"colsUsed\":[\"pid\"],\"colsUsedBitset\":1}",
                FakeQueryContext.forRoutes(routes).colsUsed("pid").toJson());
        assertNotEquals(context.toJson(), context.toLegacyJson());
    }
}
