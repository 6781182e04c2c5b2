import io.vajra.osquery.FakeOsqueryd;
import io.vajra.osquery.FakeQueryContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The osquery extension through its real Thrift path, against the osqueryd double:
 * launch-to-registered time, generate latency and rows/s with the store full, and the
 * extension's RSS. Run by bench/osquery-bench.sh, which compiles it with the double.
 *
 * <p>usage: OsqueryBench jar exec_storm rows launches storm_count storm_workers generates
 */
public final class OsqueryBench {
    private static final Pattern REGISTERED = Pattern.compile("vajra: registered as uuid (\\d+)");
    private static final String TABLE = "bpf_process_events";

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path storm = Path.of(args[1]);
        int rows = Integer.parseInt(args[2]);
        int launches = Integer.parseInt(args[3]);
        int stormCount = Integer.parseInt(args[4]);
        int stormWorkers = Integer.parseInt(args[5]);
        int generates = Integer.parseInt(args[6]);
        Path work = Files.createTempDirectory("vajra-osquery-bench");

        List<Double> launchMillis = new ArrayList<>();
        for (int i = 0; i < launches; i++) {
            try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(work.resolve("launch" + i))
                    .pingInterval(Duration.ofSeconds(1)).start()) {
                long start = System.nanoTime();
                Child child = Child.launch(jar, osqueryd.socket());
                long uuid = child.awaitRegistered(Duration.ofSeconds(60));
                launchMillis.add((System.nanoTime() - start) / 1e6);
                osqueryd.shutdownExtension(uuid);
                child.awaitExit(Duration.ofSeconds(20));
            }
            System.err.printf("launch %d: %.0f ms%n", i + 1, launchMillis.get(i));
        }

        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"launch to registered, median of " + launches,
                String.format("%.0f ms (min %.0f, max %.0f)", median(launchMillis),
                        Collections.min(launchMillis), Collections.max(launchMillis))});

        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(work.resolve("store"))
                .pingInterval(Duration.ofSeconds(1))
                .option("events_max", Integer.toString(rows))
                .start()) {
            Child child = Child.launch(jar, osqueryd.socket());
            try {
                long uuid = child.awaitRegistered(Duration.ofSeconds(60));
                List<Map<String, String>> routes = osqueryd.columns(TABLE);
                String all = FakeQueryContext.forRoutes(routes).toJson();
                String pidOnly = FakeQueryContext.forRoutes(routes).colsUsed("pid").toJson();
                long rssIdle = rssKb(child.pid(), "VmRSS");

                String marker = "osq-bench-" + ProcessHandle.current().pid();
                System.err.printf("exec storm: %d execs of /bin/true, %d workers%n", stormCount, stormWorkers);
                Process p = new ProcessBuilder(storm.toString(), Integer.toString(stormCount),
                        Integer.toString(stormWorkers), marker).redirectErrorStream(true).start();
                String stormOut = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("exec_storm failed: " + stormOut);
                }
                System.err.println("exec storm: " + stormOut);

                // Drained when the row count stops changing.
                int held = -1;
                for (int attempt = 0; attempt < 120; attempt++) {
                    int now = osqueryd.generate(TABLE, pidOnly).size();
                    if (now == held && now > 0) {
                        break;
                    }
                    held = now;
                    Thread.sleep(500);
                }
                long rssFull = rssKb(child.pid(), "VmRSS");
                System.err.printf("store holds %d rows; RSS %d KiB%n", held, rssFull);

                List<Double> fullMillis = new ArrayList<>();
                List<Double> narrowMillis = new ArrayList<>();
                int fullRows = 0;
                long fullBytes = 0;
                for (int i = 0; i < generates; i++) {
                    long start = System.nanoTime();
                    List<Map<String, String>> result = osqueryd.generate(TABLE, all);
                    fullMillis.add((System.nanoTime() - start) / 1e6);
                    fullRows = result.size();
                    fullBytes = payloadBytes(result);
                    start = System.nanoTime();
                    osqueryd.generate(TABLE, pidOnly);
                    narrowMillis.add((System.nanoTime() - start) / 1e6);
                    System.err.printf("generate %d: all columns %.0f ms (%d rows), pid only %.0f ms%n",
                            i + 1, fullMillis.get(i), fullRows, narrowMillis.get(i));
                }
                // The same call read the way osqueryd's C++ would pay for it: no Java maps,
                // values skipped. What is left is the extension's work and the socket.
                List<Double> leanMillis = new ArrayList<>();
                for (int i = 0; i < generates; i++) {
                    long start = System.nanoTime();
                    int leanRows = leanGenerate(osqueryd.extensionSocket(uuid), all);
                    leanMillis.add((System.nanoTime() - start) / 1e6);
                    System.err.printf("lean generate %d: %.0f ms (%d rows)%n", i + 1, leanMillis.get(i), leanRows);
                }
                long rssAfter = rssKb(child.pid(), "VmRSS");
                long hwm = rssKb(child.pid(), "VmHWM");

                table.add(new String[] {"rows buffered (events_max " + rows + ")", Integer.toString(held)});
                table.add(new String[] {"generate, all columns, median of " + generates,
                        String.format("%.0f ms (min %.0f, max %.0f)", median(fullMillis),
                                Collections.min(fullMillis), Collections.max(fullMillis))});
                table.add(new String[] {"rows/s, all columns",
                        String.format("%,.0f", fullRows / (median(fullMillis) / 1000))});
                table.add(new String[] {"response payload, all columns",
                        String.format("%.1f MB (%d B/row)", fullBytes / 1e6, fullRows == 0 ? 0 : fullBytes / fullRows)});
                table.add(new String[] {"generate, all columns, read without building maps, median of " + generates,
                        String.format("%.0f ms (min %.0f), %,.0f rows/s", median(leanMillis),
                                Collections.min(leanMillis), fullRows / (median(leanMillis) / 1000))});
                table.add(new String[] {"generate, pid only (colsUsed), median of " + generates,
                        String.format("%.0f ms", median(narrowMillis))});
                table.add(new String[] {"rows/s, pid only",
                        String.format("%,.0f", held / (median(narrowMillis) / 1000))});
                table.add(new String[] {"extension RSS, idle after start", String.format("%.0f MiB", rssIdle / 1024.0)});
                table.add(new String[] {"extension RSS, store full", String.format("%.0f MiB", rssFull / 1024.0)});
                table.add(new String[] {"extension RSS after the generates (peak)",
                        String.format("%.0f MiB (%.0f MiB)", rssAfter / 1024.0, hwm / 1024.0)});
                osqueryd.shutdownExtension(uuid);
                child.awaitExit(Duration.ofSeconds(20));
            } finally {
                child.destroy();
            }
        }

        System.out.println();
        System.out.println("| metric | value |");
        System.out.println("|---|---|");
        for (String[] row : table) {
            System.out.println("| " + row[0] + " | " + row[1] + " |");
        }
        System.out.printf("%n%d CPUs, kernel %s, %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"), System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }

    /** One generate over a new connection; the reply is walked, not kept. Returns its rows. */
    private static int leanGenerate(Path socket, String context) throws Exception {
        io.vajra.osquery.UnixSocketTransport transport = io.vajra.osquery.UnixSocketTransport.connect(socket);
        try {
            org.apache.thrift.protocol.TBinaryProtocol protocol = new org.apache.thrift.protocol.TBinaryProtocol(transport);
            new io.vajra.osquery.thrift.Extension.Client(protocol).send_call("table", TABLE,
                    Map.of("action", "generate", "context", context));
            protocol.readMessageBegin();
            protocol.readStructBegin(); // call_result
            protocol.readFieldBegin(); // success: ExtensionResponse
            protocol.readStructBegin();
            int rows = 0;
            for (org.apache.thrift.protocol.TField f = protocol.readFieldBegin();
                    f.type != org.apache.thrift.protocol.TType.STOP; f = protocol.readFieldBegin()) {
                if (f.id == 2 && f.type == org.apache.thrift.protocol.TType.LIST) {
                    org.apache.thrift.protocol.TList list = protocol.readListBegin();
                    rows = list.size;
                    for (int i = 0; i < list.size; i++) {
                        org.apache.thrift.protocol.TMap row = protocol.readMapBegin();
                        for (int j = 0; j < row.size; j++) {
                            protocol.readBinary(); // key
                            protocol.readBinary(); // value
                        }
                        protocol.readMapEnd();
                    }
                    protocol.readListEnd();
                } else {
                    org.apache.thrift.protocol.TProtocolUtil.skip(protocol, f.type);
                }
                protocol.readFieldEnd();
            }
            return rows;
        } finally {
            transport.close();
        }
    }

    private static long payloadBytes(List<Map<String, String>> rows) {
        long bytes = 0;
        for (Map<String, String> row : rows) {
            for (Map.Entry<String, String> e : row.entrySet()) {
                // Thrift binary: 4-byte length + UTF-8 bytes, for key and value.
                bytes += 8 + e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length);
            }
        }
        return bytes;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static long rssKb(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** {@code java -cp vajra.jar io.vajra.cli.Main extension --socket S --timeout 3 --interval 1}. */
    private static final class Child {
        final Process process;
        final List<String> stderr = new CopyOnWriteArrayList<>();

        private Child(Process process) {
            this.process = process;
            CompletableFuture.runAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        stderr.add(line);
                    }
                } catch (IOException ignored) {
                    // gone
                }
            });
        }

        /** Through build/vajra.ext, as osqueryd starts it (its JVM options included), when it is there. */
        static Child launch(Path jar, Path socket) throws IOException {
            Path launcher = jar.resolveSibling("vajra.ext");
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(launcher)) {
                command.add(launcher.toString());
            } else {
                command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", jar.toString(), "io.vajra.cli.Main", "extension"));
            }
            command.addAll(List.of("--socket", socket.toString(), "--timeout", "3", "--interval", "1"));
            return new Child(new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }

        long pid() {
            return process.pid();
        }

        long awaitRegistered(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (String line : stderr) {
                    Matcher m = REGISTERED.matcher(line);
                    if (m.find()) {
                        return Long.parseLong(m.group(1));
                    }
                }
                if (!process.isAlive()) {
                    process.waitFor(1, TimeUnit.SECONDS);
                    throw new IllegalStateException("the extension exited with code " + process.exitValue()
                            + ":\n" + String.join("\n", stderr));
                }
                Thread.sleep(2);
            }
            throw new IllegalStateException("not registered within " + timeout + ":\n" + String.join("\n", stderr));
        }

        void awaitExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the extension did not exit:\n" + String.join("\n", stderr));
            }
        }

        void destroy() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
