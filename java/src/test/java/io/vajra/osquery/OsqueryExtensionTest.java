package io.vajra.osquery;

import static io.vajra.osquery.FakeQueryContext.EQUALS;
import static io.vajra.osquery.FakeQueryContext.GREATER_THAN;
import static io.vajra.osquery.FakeQueryContext.GREATER_THAN_OR_EQUALS;
import static io.vajra.osquery.FakeQueryContext.LESS_THAN;
import static io.vajra.osquery.FakeQueryContext.LESS_THAN_OR_EQUALS;
import static io.vajra.osquery.FakeQueryContext.LIKE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vajra.osquery.thrift.ExtensionResponse;
import io.vajra.osquery.thrift.ExtensionStatus;
import io.vajra.osquery.thrift.InternalExtensionInfo;
import io.vajra.table.Column;
import io.vajra.table.ProcessEventsTable;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.thrift.TException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code vajra extension} process, launched as osqueryd launches an extension, against
 * {@link FakeOsqueryd}, with real BPF collection (runs as root). Rows are matched by the pids and
 * markers of commands the tests run: the machine may be busy with other work.
 *
 * <p>Contract: {@code java -cp <cp> io.vajra.cli.Main extension [--verbose] --socket <path>
 * --timeout 3 --interval 1}, env {@code OSQUERY_EXTENSION=<pid>}; prints one stderr line
 * containing {@code vajra: registered as uuid <N>} once it serves; a scheduled query names
 * itself with {@code WHERE vajra_reader = '<name>'} (hidden TEXT column) and then sees each
 * event once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OsqueryExtensionTest {
    static final Duration READY = Duration.ofSeconds(30);
    static final Duration DEADLINE = Duration.ofSeconds(15);
    static final int INTERVAL_SECONDS = 1;
    static final String PROCESS_EVENTS = "bpf_process_events";
    static final String STATS = "vajra_stats";
    static final long JVM_PID = ProcessHandle.current().pid();
    static final Pattern REGISTERED = Pattern.compile("vajra: registered as uuid (\\d+)");

    @TempDir
    static Path sharedDir;
    static FakeOsqueryd osqueryd;
    static ExtensionProcess extension;
    static long uuid;
    static List<Map<String, String>> processRoutes;

    @TempDir
    Path dir;

    @BeforeAll
    static void launch() throws Exception {
        osqueryd = FakeOsqueryd.builder(sharedDir).pingInterval(Duration.ofSeconds(1)).start();
        extension = ExtensionProcess.launch(osqueryd.socket(), false);
        uuid = extension.awaitRegistered(READY);
        processRoutes = osqueryd.columns(PROCESS_EVENTS);
    }

    @AfterAll
    static void stop() {
        if (extension != null) {
            extension.close();
        }
        if (osqueryd != null) {
            osqueryd.stop();
        }
    }

    // ---- the child process ----

    /** {@code vajra extension} in a child JVM, its output kept line by line. */
    static final class ExtensionProcess implements AutoCloseable {
        final Process process;
        final List<String> stderr = new CopyOnWriteArrayList<>();
        final List<String> stdout = new CopyOnWriteArrayList<>();

        private ExtensionProcess(Process process) {
            this.process = process;
            drain(process.getErrorStream(), stderr, "stderr");
            drain(process.getInputStream(), stdout, "stdout");
        }

        /** osqueryd's argv shape: {@code [path, (--verbose), --socket, p, --timeout, 3, --interval, 1]}. */
        static ExtensionProcess launch(Path managerSocket, boolean verbose, String... extraArgs) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            String nativeDir = System.getProperty("vajra.native.dir");
            if (nativeDir != null) {
                command.add("-Dvajra.native.dir=" + nativeDir);
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.vajra.cli.Main", "extension"));
            if (verbose) {
                command.add("--verbose");
            }
            command.addAll(List.of("--socket", managerSocket.toString(),
                    "--timeout", "3", "--interval", Integer.toString(INTERVAL_SECONDS)));
            command.addAll(List.of(extraArgs));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("OSQUERY_EXTENSION", Long.toString(JVM_PID));
            return new ExtensionProcess(builder.start());
        }

        private static void drain(InputStream stream, List<String> into, String name) {
            Thread t = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line; (line = reader.readLine()) != null; ) {
                        into.add(line);
                    }
                } catch (IOException ignored) {
                    // the process went away
                }
            }, "extension-" + name);
            t.setDaemon(true);
            t.start();
        }

        long pid() {
            return process.pid();
        }

        /** Waits for the registration line; returns the uuid it names. */
        long awaitRegistered(Duration timeout) throws InterruptedException {
            String line = awaitLine(l -> REGISTERED.matcher(l).find(), timeout);
            Matcher m = REGISTERED.matcher(line);
            assertTrue(m.find());
            return Long.parseLong(m.group(1));
        }

        /** The first stderr line matching, waited for; fails early if the process exits. */
        String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                for (String line : stderr) {
                    if (match.test(line)) {
                        return line;
                    }
                }
                if (!process.isAlive()) {
                    process.waitFor(1, TimeUnit.SECONDS); // let the drain threads finish
                    for (String line : stderr) {
                        if (match.test(line)) {
                            return line;
                        }
                    }
                    fail("the extension exited with code " + process.exitValue() + " before the line came\n" + log());
                }
                if (System.nanoTime() > deadline) {
                    fail("no such line within " + timeout + "\n" + log());
                }
                Thread.sleep(20);
            }
        }

        /** Waits for the process to exit; returns its exit code. */
        int awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("the extension did not exit within " + timeout + "\n" + log());
            }
            return process.exitValue();
        }

        String log() {
            return "--- extension stderr ---\n" + String.join("\n", stderr)
                    + "\n--- extension stdout ---\n" + String.join("\n", stdout);
        }

        /** File descriptors of the process that are BPF programs, maps or links. */
        Set<String> bpfFds() throws IOException {
            Set<String> kinds = new HashSet<>();
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("anon_inode:bpf")) {
                            kinds.add(target);
                        }
                    } catch (IOException closedMeanwhile) {
                        // fds come and go
                    }
                }
            }
            return kinds;
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    // ---- helpers ----

    static String marker() {
        return "vjx-" + UUID.randomUUID();
    }

    /** Runs {@code /bin/true <marker>} and waits for it. */
    static Process runTrue(String marker) throws Exception {
        Process p = new ProcessBuilder("/bin/true", marker).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p;
    }

    static boolean isExecOf(Map<String, String> row, String marker) {
        String syscall = row.getOrDefault("syscall", "");
        return syscall.startsWith("execve") && "0".equals(row.get("exit_code"))
                && ("/bin/true " + marker).equals(row.get("cmdline"));
    }

    static boolean isExecOf(Map<String, String> row, Process p, String marker) {
        return isExecOf(row, marker) && Long.toString(p.pid()).equals(row.get("pid"));
    }

    static String emptyContext() {
        return FakeQueryContext.forRoutes(processRoutes).toJson();
    }

    static FakeQueryContext processContext() {
        return FakeQueryContext.forRoutes(processRoutes);
    }

    /** Queries until a row matches; returns that row (exactly one must match). */
    static Map<String, String> awaitRow(FakeOsqueryd manager, String table, String context,
            Predicate<Map<String, String>> match) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<Map<String, String>> found = List.of();
        while (System.nanoTime() < deadline) {
            found = manager.generate(table, context).stream().filter(match).toList();
            if (!found.isEmpty()) {
                assertEquals(1, found.size(), "one matching row: " + found);
                return found.get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no matching row in " + table + " within " + DEADLINE + " for context " + context);
    }

    static Map<String, String> columnTypes(List<Map<String, String>> routes) {
        Map<String, String> types = new LinkedHashMap<>();
        for (Map<String, String> r : routes) {
            if ("column".equals(r.get("id"))) {
                types.put(r.get("name"), r.get("type"));
            }
        }
        return types;
    }

    static int ops(List<Map<String, String>> routes, String column) {
        for (Map<String, String> r : routes) {
            if ("column".equals(r.get("id")) && column.equals(r.get("name"))) {
                return Integer.parseInt(r.get("op"));
            }
        }
        throw new AssertionError("no column " + column + " in " + routes);
    }

    static void assertStillServing(FakeOsqueryd manager, long id, ExtensionProcess ext) throws Exception {
        assertTrue(ext.process.isAlive(), "the extension is alive\n" + ext.log());
        ExtensionStatus pong = manager.pingExtension(id);
        assertEquals(0, pong.getCode(), pong.getMessage());
        String marker = marker();
        Process p = runTrue(marker);
        awaitRow(manager, PROCESS_EVENTS, FakeQueryContext.forRoutes(processRoutes).where("pid", EQUALS, p.pid()).toJson(),
                row -> isExecOf(row, p, marker));
    }

    // ---- registration and schema ----

    @Test
    void registersListsItselfAndPingsBothWays() throws Exception {
        Map<Long, InternalExtensionInfo> list = osqueryd.extensions();
        assertTrue(list.containsKey(uuid), "listed: " + list);
        InternalExtensionInfo info = list.get(uuid);
        assertFalse(info.getName() == null || info.getName().isBlank(), "named");
        assertTrue(FakeOsqueryd.sdkVersionAccepted(info.getSdk_version()), info.toString());
        FakeOsqueryd.Registration registration = osqueryd.registration(uuid).orElseThrow();
        assertTrue(registration.tables().containsAll(List.of(PROCESS_EVENTS, STATS)), registration.tables().toString());
        assertTrue(Files.exists(osqueryd.extensionSocket(uuid)), "serves on <socket>.<uuid>");
        assertEquals(1, extension.stderr.stream().filter(l -> REGISTERED.matcher(l).find()).count(),
                "one registration line\n" + extension.log());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((osqueryd.managerPings() == 0 || osqueryd.goodPings(uuid) == 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(osqueryd.managerPings() > 0, "the extension watches the manager");
        assertTrue(osqueryd.goodPings(uuid) > 0, "the extension answers osqueryd's pings");
        assertFalse(extension.bpfFds().isEmpty(), "probes are loaded (the check the disable_events test relies on)");
    }

    @Test
    void columnsDescribeTheEventTableAsRegistered() throws Exception {
        assertEquals(osqueryd.registration(uuid).orElseThrow().routes(PROCESS_EVENTS), processRoutes,
                "columns answers the route list given at registration");
        Set<String> validTypes = Set.of("TEXT", "INTEGER", "BIGINT", "UNSIGNED BIGINT", "DOUBLE", "BLOB");
        for (Map<String, String> route : processRoutes) {
            assertNotNull(route.get("id"), route.toString());
            if ("column".equals(route.get("id"))) {
                assertTrue(validTypes.contains(route.get("type")), route.toString());
                assertTrue(route.get("op").matches("[0-9]+"), route.toString());
            }
        }
        Map<String, String> types = columnTypes(processRoutes);
        for (Column c : new ProcessEventsTable(null, () -> 0L).columns()) {
            assertEquals(c.type().name(), types.get(c.name()), "type of " + c.name());
        }
        assertEquals("TEXT", types.get("vajra_reader"));
        assertEquals("BIGINT", types.get("pid"));
        assertEquals("BIGINT", types.get("cid"), "64-bit ids are BIGINT: osqueryd truncates INTEGER");

        List<String> attributes = processRoutes.stream().filter(r -> "attributes".equals(r.get("id")))
                .map(r -> r.get("attributes")).toList();
        assertEquals(List.of("4"), attributes, "EVENT_BASED");

        for (String hidden : List.of("json_cmdline", "time", "eid", "vajra_reader")) {
            assertEquals(16, ops(processRoutes, hidden) & 16, hidden + " is HIDDEN");
        }
        assertEquals(4, ops(processRoutes, "time") & 4, "time is ADDITIONAL");
        for (String shown : List.of("pid", "cmdline", "syscall", "path")) {
            assertEquals(0, ops(processRoutes, shown) & 16, shown + " is not hidden");
        }

        List<Map<String, String>> statsRoutes = osqueryd.columns(STATS);
        assertEquals(osqueryd.registration(uuid).orElseThrow().routes(STATS), statsRoutes);
        assertTrue(columnTypes(statsRoutes).keySet().containsAll(List.of("source", "family", "name", "value")));
        assertEquals("BIGINT", columnTypes(statsRoutes).get("value"));
    }

    // ---- generate ----

    @Test
    void emptyContextsReturnMyExec() throws Exception {
        String marker = marker();
        Process p = runTrue(marker);
        Map<String, String> row = awaitRow(osqueryd, PROCESS_EVENTS, emptyContext(), r -> isExecOf(r, p, marker));
        assertEquals("/usr/bin/true", row.get("path"));
        assertEquals("execve", row.get("syscall"));
        assertEquals(Long.toString(JVM_PID), row.get("parent"));
        assertEquals("[\"/bin/true\",\"" + marker + "\"]", row.get("json_cmdline"));
        long time = Long.parseLong(row.get("time"));
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - time) < 60, "time is UNIX seconds: " + time);
        assertTrue(Long.parseLong(row.get("eid")) > 0);

        // The barest context there is.
        awaitRow(osqueryd, PROCESS_EVENTS, "{}", r -> isExecOf(r, p, marker));
    }

    @Test
    void constraintsNarrowTheRowsButNeverLoseMine() throws Exception {
        String m1 = marker();
        String m2 = marker();
        Process p1 = runTrue(m1);
        Process p2 = runTrue(m2);
        Map<String, String> r1 = awaitRow(osqueryd, PROCESS_EVENTS, emptyContext(), r -> isExecOf(r, p1, m1));
        Map<String, String> r2 = awaitRow(osqueryd, PROCESS_EVENTS, emptyContext(), r -> isExecOf(r, p2, m2));
        long now = System.currentTimeMillis() / 1000;

        // time > now - 60
        List<Map<String, String>> recent = osqueryd.generate(PROCESS_EVENTS,
                processContext().where("time", GREATER_THAN, now - 60).toJson());
        assertEquals(1, recent.stream().filter(r -> isExecOf(r, p1, m1)).count());
        assertTrue(recent.stream().allMatch(r -> Long.parseLong(r.get("time")) > now - 60), "time pushed down");
        // time < now - 3600: nothing of mine
        List<Map<String, String>> old = osqueryd.generate(PROCESS_EVENTS,
                processContext().where("time", LESS_THAN, now - 3600).toJson());
        assertEquals(0, old.stream().filter(r -> isExecOf(r, m1)).count());

        // pid = p1
        List<Map<String, String>> byPid = osqueryd.generate(PROCESS_EVENTS,
                processContext().where("pid", EQUALS, p1.pid()).toJson());
        assertEquals(1, byPid.stream().filter(r -> isExecOf(r, p1, m1)).count());
        assertTrue(byPid.stream().allMatch(r -> Long.toString(p1.pid()).equals(r.get("pid"))), "pid pushed down");

        // eid between the two
        long e1 = Long.parseLong(r1.get("eid"));
        long e2 = Long.parseLong(r2.get("eid"));
        assertTrue(e1 < e2, "eids increase: " + e1 + ", " + e2);
        List<Map<String, String>> range = osqueryd.generate(PROCESS_EVENTS, processContext()
                .where("eid", GREATER_THAN_OR_EQUALS, e1).where("eid", LESS_THAN_OR_EQUALS, e2).toJson());
        assertEquals(1, range.stream().filter(r -> isExecOf(r, p1, m1)).count());
        assertEquals(1, range.stream().filter(r -> isExecOf(r, p2, m2)).count());
        assertTrue(range.stream().mapToLong(r -> Long.parseLong(r.get("eid"))).allMatch(e -> e >= e1 && e <= e2),
                "eid range pushed down");

        // pid IN (p1, p2): two EQUALS on one column mean either, not both
        List<Map<String, String>> in = osqueryd.generate(PROCESS_EVENTS,
                processContext().whereIn("pid", p1.pid(), p2.pid()).toJson());
        assertEquals(1, in.stream().filter(r -> isExecOf(r, p1, m1)).count(), "IN keeps the first pid");
        assertEquals(1, in.stream().filter(r -> isExecOf(r, p2, m2)).count(), "IN keeps the second pid");
        Set<String> pids = Set.of(Long.toString(p1.pid()), Long.toString(p2.pid()));
        assertTrue(in.stream().allMatch(r -> pids.contains(r.get("pid"))), "IN pushed down");

        // An operator the table does not use is left to SQLite: rows are not dropped.
        List<Map<String, String>> like = osqueryd.generate(PROCESS_EVENTS,
                processContext().where("cmdline", LIKE, "%" + m1 + "%").toJson());
        assertEquals(1, like.stream().filter(r -> isExecOf(r, p1, m1)).count());
    }

    @Test
    void theOlderStringFormOfTheContextWorks() throws Exception {
        String marker = marker();
        Process p = runTrue(marker);
        awaitRow(osqueryd, PROCESS_EVENTS, emptyContext(), r -> isExecOf(r, p, marker));
        String legacy = processContext().where("pid", EQUALS, p.pid())
                .where("time", GREATER_THAN, System.currentTimeMillis() / 1000 - 60).toLegacyJson();
        List<Map<String, String>> rows = osqueryd.generate(PROCESS_EVENTS, legacy);
        assertEquals(1, rows.stream().filter(r -> isExecOf(r, p, marker)).count(), legacy);
        List<Map<String, String>> all = osqueryd.generate(PROCESS_EVENTS, processContext().toLegacyJson());
        assertEquals(1, all.stream().filter(r -> isExecOf(r, p, marker)).count());
    }

    @Test
    void vajraStatsServesItsCounters() throws Exception {
        runTrue(marker());
        List<Map<String, String>> statsRoutes = osqueryd.columns(STATS);
        String empty = FakeQueryContext.forRoutes(statsRoutes).toJson();
        Map<String, String> sentExec = awaitRow(osqueryd, STATS, empty,
                r -> "sent_exec".equals(r.get("name")) && Long.parseLong(r.get("value")) > 0);
        assertEquals("kernel", sentExec.get("source"));
        List<Map<String, String>> all = osqueryd.generate(STATS, empty);
        assertTrue(all.size() > 5, "every counter: " + all.size());
        assertTrue(all.stream().allMatch(r -> r.get("value").matches("-?[0-9]+")), "values are integers");

        String byName = FakeQueryContext.forRoutes(statsRoutes).where("name", EQUALS, "sent_exec").toJson();
        assertEquals(1, osqueryd.generate(STATS, byName).stream().filter(r -> "sent_exec".equals(r.get("name"))).count());
        String legacy = FakeQueryContext.forRoutes(statsRoutes).where("name", EQUALS, "sent_exec").toLegacyJson();
        assertEquals(1, osqueryd.generate(STATS, legacy).stream().filter(r -> "sent_exec".equals(r.get("name"))).count());
    }

    @Test
    void unknownActionsAndTablesFailWithCode1AndServingGoesOn() throws Exception {
        ExtensionResponse badAction = osqueryd.callTableRaw(PROCESS_EVENTS, Map.of("action", "frobnicate"));
        assertEquals(1, badAction.getStatus().getCode());
        assertTrue(badAction.getStatus().getMessage().contains("frobnicate"), badAction.getStatus().getMessage());

        ExtensionResponse noAction = osqueryd.callTableRaw(PROCESS_EVENTS, Map.of());
        assertEquals(1, noAction.getStatus().getCode());
        assertFalse(noAction.getStatus().getMessage().isBlank());

        ExtensionResponse badTable = osqueryd.callExtension(uuid, "table", "no_such_table",
                Map.of("action", "generate", "context", "{}"));
        assertEquals(1, badTable.getStatus().getCode());
        assertTrue(badTable.getStatus().getMessage().contains("no_such_table"), badTable.getStatus().getMessage());

        ExtensionResponse badRegistry = osqueryd.callExtension(uuid, "logger", "vajra", Map.of("action", "status"));
        assertNotEquals(0, badRegistry.getStatus().getCode());

        ExtensionResponse badContext = osqueryd.callTableRaw(PROCESS_EVENTS,
                Map.of("action", "generate", "context", "{\"constraints\":[{\"name\":"));
        assertNotNull(badContext.getStatus(), "a malformed context gets an answer");

        assertStillServing(osqueryd, uuid, extension);
    }

    // ---- garbage on the extension socket ----

    private static byte[] bytes(IoWriter writer) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        writer.write(out);
        out.flush();
        return buffer.toByteArray();
    }

    @FunctionalInterface
    private interface IoWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** A strict binary-protocol message header: version | type, name, seqid. */
    private static void header(DataOutputStream out, String name, int type) throws IOException {
        out.writeInt(0x80010000 | type);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        out.writeInt(n.length);
        out.write(n);
        out.writeInt(7);
    }

    /** Sends {@code data}, closes the sending side, reads until the extension closes (or 5 s). */
    private static void sendAndClose(byte[] data) throws Exception {
        try (SocketChannel raw = osqueryd.rawConnectToExtension(uuid)) {
            try {
                raw.write(ByteBuffer.wrap(data));
                raw.shutdownOutput();
            } catch (IOException peerClosedFirst) {
                return; // the extension gave up on us already: fine
            }
            raw.configureBlocking(false);
            ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                sink.clear();
                try {
                    if (raw.read(sink) < 0) {
                        return;
                    }
                } catch (IOException reset) {
                    return;
                }
                Thread.sleep(10);
            }
        }
    }

    @Test
    void malformedThriftAndRandomBytesDoNotStopTheExtension() throws Exception {
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("nothing at all", new byte[0]);
        cases.put("bad version", bytes(out -> {
            out.writeInt(0x80020001);
            out.writeInt(4);
            out.writeBytes("ping");
            out.writeInt(1);
            out.writeByte(0);
        }));
        cases.put("huge strict name", bytes(out -> {
            out.writeInt(0x80010001);
            out.writeInt(0x7ffffff0);
            out.writeBytes("call");
        }));
        cases.put("huge old-style name", bytes(out -> {
            out.writeInt(0x12345678);
            out.writeBytes("abcdefgh");
        }));
        cases.put("negative string in args", bytes(out -> {
            header(out, "call", 1);
            out.writeByte(11); // STRING
            out.writeShort(1);
            out.writeInt(-5);
        }));
        cases.put("huge map in args", bytes(out -> {
            header(out, "call", 1);
            out.writeByte(13); // MAP
            out.writeShort(3);
            out.writeByte(11);
            out.writeByte(11);
            out.writeInt(0x7fffffff);
            out.writeInt(1);
            out.writeBytes("k");
        }));
        cases.put("huge list in a route-like field", bytes(out -> {
            header(out, "call", 1);
            out.writeByte(15); // LIST in an unknown field: skipped
            out.writeShort(99);
            out.writeByte(12);
            out.writeInt(0x7fffffff);
        }));
        cases.put("deeply nested structs", bytes(out -> {
            header(out, "call", 1);
            // Deep enough to overflow any thread's stack if skipping recursed without a limit.
            for (int i = 0; i < 200_000; i++) {
                out.writeByte(12); // STRUCT
                out.writeShort(99);
            }
        }));
        cases.put("wrong field types then stop", bytes(out -> {
            header(out, "call", 1);
            out.writeByte(8); // I32 where a string belongs
            out.writeShort(1);
            out.writeInt(42);
            out.writeByte(8);
            out.writeShort(2);
            out.writeInt(43);
            out.writeByte(0); // STOP: registry, item and request all missing
        }));
        cases.put("unknown method", bytes(out -> {
            header(out, "frobnicate", 1);
            out.writeByte(0);
        }));
        cases.put("a reply instead of a call", bytes(out -> {
            header(out, "ping", 2);
            out.writeByte(0);
        }));
        Random random = new Random(0x5eed);
        for (int i = 0; i < 4; i++) {
            byte[] noise = new byte[1 << (8 + 2 * i)];
            random.nextBytes(noise);
            cases.put("random " + noise.length + " bytes", noise);
        }
        byte[] prefixed = new byte[4096];
        random.nextBytes(prefixed);
        ByteBuffer.wrap(prefixed).putInt(0x80010001).putInt(4).put("call".getBytes(StandardCharsets.US_ASCII)).putInt(1);
        cases.put("valid call header then noise", prefixed);

        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            sendAndClose(c.getValue());
            assertTrue(extension.process.isAlive(), "alive after " + c.getKey() + "\n" + extension.log());
            ExtensionStatus pong = osqueryd.pingExtension(uuid);
            assertEquals(0, pong.getCode(), "ping after " + c.getKey());
        }
        assertStillServing(osqueryd, uuid, extension);
        assertTrue(osqueryd.registration(uuid).isPresent(), "osqueryd never lost the extension");
        assertEquals(List.of(), extension.stderr.stream().filter(l -> l.startsWith("\tat ")).limit(3).toList(),
                "a client's garbage is worth a line at most, not a stack trace\n" + extension.log());
    }

    @Test
    void halfAMessageThatHangsDoesNotBlockOtherCalls() throws Exception {
        List<SocketChannel> hanging = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                SocketChannel raw = osqueryd.rawConnectToExtension(uuid);
                hanging.add(raw);
                byte[] half = bytes(out -> {
                    header(out, "call", 1);
                    out.writeByte(11);
                    out.writeShort(1);
                    out.writeInt(100); // a 100-byte registry name, of which 5 come
                    out.writeBytes("table");
                });
                raw.write(ByteBuffer.wrap(half));
            }
            SocketChannel silent = osqueryd.rawConnectToExtension(uuid); // connects, says nothing
            hanging.add(silent);
            for (int i = 0; i < 5; i++) {
                assertEquals(0, osqueryd.pingExtension(uuid).getCode());
            }
            assertStillServing(osqueryd, uuid, extension);
        } finally {
            for (SocketChannel c : hanging) {
                c.close();
            }
        }
        assertStillServing(osqueryd, uuid, extension);
    }

    // ---- exactly once per scheduled query ----

    /** One scheduled (or ad-hoc) query's runs, as osqueryd's scheduler would make them. */
    static final class Reader {
        final String name;
        final String context;
        final Map<String, Integer> markerCounts = new ConcurrentHashMap<>();
        final Map<String, Integer> eidCounts = new ConcurrentHashMap<>();
        final List<String> problems = new CopyOnWriteArrayList<>();
        volatile int runs;

        Reader(String name, String context) {
            this.name = name;
            this.context = context;
        }

        List<Map<String, String>> run() throws TException {
            List<Map<String, String>> rows = osqueryd.generate(PROCESS_EVENTS, context);
            runs++;
            return rows;
        }
    }

    /** The markers of the exec rows among {@code rows}, once per row (duplicates kept). */
    static List<String> markerExecs(List<Map<String, String>> rows, Set<String> markers) {
        List<String> found = new ArrayList<>();
        for (Map<String, String> r : rows) {
            String cmdline = r.get("cmdline");
            if (cmdline != null && cmdline.startsWith("/bin/true ")) {
                String m = cmdline.substring("/bin/true ".length());
                if (markers.contains(m) && isExecOf(r, m)) {
                    found.add(m);
                }
            }
        }
        return found;
    }

    static Set<String> markersIn(List<Map<String, String>> rows, Set<String> markers) {
        return new HashSet<>(markerExecs(rows, markers));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void eachScheduledQuerySeesEveryEventExactlyOnceAndAdHocQueriesSeeAll() throws Exception {
        int bursts = 5;
        int perBurst = 20;
        String run = "vjq-" + UUID.randomUUID().toString().substring(0, 8);
        List<List<String>> burstMarkers = new ArrayList<>();
        Set<String> allMarkers = new HashSet<>();
        for (int b = 0; b < bursts; b++) {
            List<String> markers = new ArrayList<>();
            for (int i = 0; i < perBurst; i++) {
                markers.add(run + "-" + b + "-" + i);
            }
            burstMarkers.add(markers);
            allMarkers.addAll(markers);
        }

        Reader q1 = new Reader("q1", processContext().where("vajra_reader", EQUALS, "q1").toJson());
        Reader q2 = new Reader("q2", processContext().where("vajra_reader", EQUALS, "q2").toJson());
        Reader adHoc = new Reader("ad-hoc", emptyContext());
        // Markers q1 or q2 have returned, or an ad-hoc run has seen: a later ad-hoc run must see them all.
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new CopyOnWriteArrayList<>();

        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3);
        try {
            for (Reader reader : List.of(q1, q2)) {
                long period = reader == q1 ? 1000 : 1700;
                long initial = reader == q1 ? 0 : 1700;
                scheduler.scheduleAtFixedRate(() -> {
                    try {
                        List<Map<String, String>> rows = reader.run();
                        for (Map<String, String> r : rows) {
                            if (!reader.name.equals(r.get("vajra_reader"))) {
                                reader.problems.add("row without vajra_reader=" + reader.name + ": " + r);
                                break;
                            }
                        }
                        for (Map<String, String> r : rows) {
                            reader.eidCounts.merge(r.get("eid"), 1, Integer::sum);
                        }
                        List<String> execs = markerExecs(rows, allMarkers);
                        for (String m : execs) {
                            reader.markerCounts.merge(m, 1, Integer::sum);
                        }
                        delivered.addAll(execs);
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }, initial, period, TimeUnit.MILLISECONDS);
            }
            scheduler.scheduleAtFixedRate(() -> {
                try {
                    Set<String> before = new HashSet<>(delivered);
                    List<Map<String, String>> rows = adHoc.run();
                    Set<String> seen = markersIn(rows, allMarkers);
                    Set<String> missing = new HashSet<>(before);
                    missing.removeAll(seen);
                    if (!missing.isEmpty()) {
                        adHoc.problems.add("ad-hoc run " + adHoc.runs + " missed " + missing.size()
                                + " rows already delivered, e.g. " + missing.iterator().next());
                    }
                    Set<String> eids = new HashSet<>();
                    for (Map<String, String> r : rows) {
                        if (!eids.add(r.get("eid"))) {
                            adHoc.problems.add("ad-hoc run returned eid " + r.get("eid") + " twice");
                            break;
                        }
                    }
                    delivered.addAll(seen);
                } catch (Throwable t) {
                    errors.add(t);
                }
            }, 300, 600, TimeUnit.MILLISECONDS);

            for (List<String> markers : burstMarkers) {
                Thread.sleep(700);
                String script = markers.stream().map(m -> "/bin/true " + m).collect(Collectors.joining("\n"));
                Process burst = new ProcessBuilder("/bin/sh", "-c", script).start();
                assertTrue(burst.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, burst.exitValue());
            }

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && errors.isEmpty()
                    && (!q1.markerCounts.keySet().containsAll(allMarkers) || !q2.markerCounts.keySet().containsAll(allMarkers))) {
                Thread.sleep(100);
            }
            // One more run of each after everything arrived: it must add nothing of ours.
            int q1Runs = q1.runs;
            int q2Runs = q2.runs;
            long more = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < more && (q1.runs <= q1Runs || q2.runs <= q2Runs)) {
                Thread.sleep(100);
            }
        } finally {
            scheduler.shutdown();
            assertTrue(scheduler.awaitTermination(30, TimeUnit.SECONDS));
        }

        assertEquals(List.of(), errors.stream().map(Throwable::toString).toList(), "scheduled runs failed");
        for (Reader reader : List.of(q1, q2)) {
            assertEquals(List.of(), reader.problems, reader.name);
            Set<String> missing = new HashSet<>(allMarkers);
            missing.removeAll(reader.markerCounts.keySet());
            Map<String, Integer> dups = reader.markerCounts.entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertEquals(Set.of(), missing, reader.name + " missed execs over " + reader.runs + " runs");
            assertEquals(Map.of(), dups, reader.name + " saw execs more than once");
            List<String> eidDups = reader.eidCounts.entrySet().stream().filter(e -> e.getValue() > 1)
                    .map(Map.Entry::getKey).limit(5).toList();
            assertEquals(List.of(), eidDups, reader.name + " saw these eids more than once");
            assertTrue(reader.runs >= 3, reader.name + " ran " + reader.runs + " times");
        }
        assertEquals(List.of(), adHoc.problems);
        assertTrue(adHoc.runs >= 5, "ad-hoc ran " + adHoc.runs + " times");
        Set<String> finalAdHoc = markersIn(adHoc.run(), allMarkers);
        assertEquals(allMarkers.size(), finalAdHoc.size(), "an ad-hoc query still sees every row");
        Set<String> afterwards = markersIn(q1.run(), allMarkers);
        assertEquals(Set.of(), afterwards, "q1 sees nothing new once it has read everything");
    }

    // ---- start-up and lifecycle, each with its own manager ----

    @Test
    void aRefusedTableNameFallsBackToAPrefixedName() throws Exception {
        try (FakeOsqueryd old = FakeOsqueryd.builder(dir).pingInterval(Duration.ofSeconds(1))
                .coreTables(FakeOsqueryd.OSQUERY_523_BPF_TABLES.toArray(String[]::new)).start();
                ExtensionProcess ext = ExtensionProcess.launch(old.socket(), false)) {
            long id = ext.awaitRegistered(READY);
            FakeOsqueryd.Registration registration = old.registration(id).orElseThrow();
            assertTrue(registration.tables().contains("vajra_bpf_process_events"), registration.tables().toString());
            assertFalse(registration.tables().contains(PROCESS_EVENTS));
            assertTrue(registration.tables().contains(STATS));
            assertTrue(old.attempts().stream().anyMatch(a -> a.status().getCode() == 1
                    && FakeOsqueryd.conflictMessage(PROCESS_EVENTS).equals(a.status().getMessage())),
                    "osqueryd refused the core name first: " + old.attempts());

            Pattern bare = Pattern.compile("(?<![A-Za-z0-9_])bpf_process_events(?![A-Za-z0-9_])");
            List<String> saysSo = ext.stderr.stream()
                    .filter(l -> l.contains("vajra_bpf_process_events") && bare.matcher(l).find()).toList();
            assertEquals(1, saysSo.size(), "one log line names both tables\n" + ext.log());

            String marker = marker();
            Process p = runTrue(marker);
            List<Map<String, String>> routes = old.columns("vajra_bpf_process_events");
            awaitRow(old, "vajra_bpf_process_events", FakeQueryContext.forRoutes(routes).toJson(),
                    r -> isExecOf(r, p, marker));
        }
    }

    @Test
    void fileEventsFollowOsquerysFimConfigurationAtRunTime() throws Exception {
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));
        String source = "/etc/osquery/osquery.conf";
        try (FakeOsqueryd manager = FakeOsqueryd.builder(dir).pingInterval(Duration.ofSeconds(1))
                .config(source, "{\"file_paths\": {\"first\": [\"" + first + "/%%\"]}}").start();
                ExtensionProcess ext = ExtensionProcess.launch(manager.socket(), false, "--config-refresh", "1s")) {
            ext.awaitRegistered(READY);
            String context = FakeQueryContext.forRoutes(manager.columns("bpf_file_events")).toJson();
            Path a = first.resolve("a");
            awaitFileRow(manager, context, a, "first");
            // osquery's config changes: the new category is watched without a restart.
            manager.setConfig(source, "{\"file_paths\": {\"first\": [\"" + first + "/%%\"], \"second\": [\""
                    + second + "/%%\"]}}");
            awaitFileRow(manager, context, second.resolve("b"), "second");
            awaitFileRow(manager, context, first.resolve("c"), "first");
        }
    }

    @Test
    void logLinesFollowOsquerysConfigurationWithTheirWriter() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path file = logs.resolve("app.log");
        String source = "/etc/osquery/osquery.conf";
        try (FakeOsqueryd manager = FakeOsqueryd.builder(dir).pingInterval(Duration.ofSeconds(1))
                .config(source, "{\"vajra\": {\"log_files\": [{\"path\": \"" + logs
                        + "/*.log\", \"category\": \"app\"}]}}").start();
                ExtensionProcess ext = ExtensionProcess.launch(manager.socket(), false)) {
            ext.awaitRegistered(READY);
            String context = FakeQueryContext.forRoutes(manager.columns("bpf_log_events")).toJson();
            String marker = marker();
            Process writer = new ProcessBuilder("/bin/sh", "-c", "echo " + marker + " >> " + file).start();
            assertEquals(0, writer.waitFor());
            Map<String, String> row = awaitRow(manager, "bpf_log_events", context, r -> marker.equals(r.get("line")));
            assertEquals("app", row.get("category"));
            assertEquals(Long.toString(writer.pid()), row.get("pid"));
            assertEquals("1", row.get("attributed"));
        }
    }

    /** Writes {@code file} (again, until its row shows or the deadline passes: the config
     *  may not have been re-read yet) and returns its UPDATED row. */
    private static Map<String, String> awaitFileRow(FakeOsqueryd manager, String context, Path file, String category)
            throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Files.writeString(file, "x");
            List<Map<String, String>> found = manager.generate("bpf_file_events", context).stream()
                    .filter(r -> file.toString().equals(r.get("target_path")) && "UPDATED".equals(r.get("action")))
                    .toList();
            if (!found.isEmpty()) {
                assertEquals(category, found.get(0).get("category"));
                assertEquals(Long.toString(JVM_PID), found.get(0).get("pid"));
                return found.get(0);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no UPDATED row for " + file + " within " + DEADLINE);
            }
            Thread.sleep(200);
        }
    }

    @Test
    void exitsWithinTwoIntervalsWhenTheManagerGoes() throws Exception {
        FakeOsqueryd manager = FakeOsqueryd.builder(dir).pingInterval(Duration.ofSeconds(1)).start();
        try (ExtensionProcess ext = ExtensionProcess.launch(manager.socket(), false)) {
            ext.awaitRegistered(READY);
            long start = System.nanoTime();
            manager.stop();
            int code = ext.awaitExit(Duration.ofSeconds(15));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(0, code, ext.log());
            // Two intervals, plus a second for the JVM to stop.
            assertTrue(millis <= 2000L * INTERVAL_SECONDS + 1000, "exited after " + millis + " ms\n" + ext.log());
        } finally {
            manager.stop();
        }
    }

    @Test
    void shutdownExitsCleanlyAndRemovesTheSocket() throws Exception {
        try (FakeOsqueryd manager = FakeOsqueryd.builder(dir).pingInterval(Duration.ofSeconds(1)).start();
                ExtensionProcess ext = ExtensionProcess.launch(manager.socket(), true)) {
            long id = ext.awaitRegistered(READY);
            Path socket = manager.extensionSocket(id);
            assertTrue(Files.exists(socket));
            manager.shutdownExtension(id); // returns only once the extension replied
            assertEquals(0, ext.awaitExit(Duration.ofSeconds(10)), ext.log());
            assertFalse(Files.exists(socket), "socket file removed");
        }
    }

    @Test
    void disabledEventsServeEmptyTablesAndLoadNoProbes() throws Exception {
        try (FakeOsqueryd manager = FakeOsqueryd.builder(dir).pingInterval(Duration.ofSeconds(1))
                .option("disable_events", "true").start();
                ExtensionProcess ext = ExtensionProcess.launch(manager.socket(), false)) {
            long id = ext.awaitRegistered(READY);
            assertTrue(manager.registration(id).orElseThrow().tables().contains(PROCESS_EVENTS));
            String marker = marker();
            runTrue(marker);
            List<Map<String, String>> routes = manager.columns(PROCESS_EVENTS);
            String context = FakeQueryContext.forRoutes(routes).toJson();
            // Watch for a while: nothing may ever arrive.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            while (System.nanoTime() < until) {
                List<Map<String, String>> rows = manager.generate(PROCESS_EVENTS, context);
                assertEquals(List.of(), rows, "no events with disable_events=true");
                Thread.sleep(100);
            }
            assertEquals(Set.of(), ext.bpfFds(), "no BPF program, map or link loaded");

            List<Map<String, String>> stats = manager.generate(STATS,
                    FakeQueryContext.forRoutes(manager.columns(STATS)).toJson());
            boolean statsShowProbes = stats.stream().anyMatch(r -> ("kernel".equals(r.get("source"))
                    || "ring_bytes".equals(r.get("name"))) && !"0".equals(r.get("value")));
            boolean logSaysSo = ext.stderr.stream().anyMatch(l -> l.contains("disable_events"));
            assertTrue(logSaysSo || !statsShowProbes, "vajra_stats or the log tells events are off\n"
                    + stats + "\n" + ext.log());
            assertEquals(0, manager.pingExtension(id).getCode());
        }
    }
}
