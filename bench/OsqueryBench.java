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

        // With FIM configured the extension registers once the file programs are loaded
        // and the watch set is in the kernel: the verifier's time shows there.
        Path watched = Files.createDirectories(work.resolve("watched"));
        String fimConfig = "{\"file_paths\": {\"bench\": [\"" + watched + "/%%\"]}}";
        List<Double> launchMillis = launchTimes(jar, work, launches, null);
        List<Double> fimLaunchMillis = launchTimes(jar, work, launches, fimConfig);

        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"launch to registered, median of " + launches,
                String.format("%.0f ms (min %.0f, max %.0f)", median(launchMillis),
                        Collections.min(launchMillis), Collections.max(launchMillis))});
        table.add(new String[] {"launch to registered with a FIM path configured, median of " + launches,
                String.format("%.0f ms (min %.0f, max %.0f)", median(fimLaunchMillis),
                        Collections.min(fimLaunchMillis), Collections.max(fimLaunchMillis))});

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
                long fullValues = 0;
                for (int i = 0; i < generates; i++) {
                    long start = System.nanoTime();
                    List<Map<String, String>> result = osqueryd.generate(TABLE, all);
                    fullMillis.add((System.nanoTime() - start) / 1e6);
                    fullRows = result.size();
                    fullBytes = payloadBytes(result);
                    fullValues = result.stream().mapToLong(Map::size).sum();
                    start = System.nanoTime();
                    osqueryd.generate(TABLE, pidOnly);
                    narrowMillis.add((System.nanoTime() - start) / 1e6);
                    System.err.printf("generate %d: all columns %.0f ms (%d rows), pid only %.0f ms%n",
                            i + 1, fullMillis.get(i), fullRows, narrowMillis.get(i));
                }
                // The same call read the way osqueryd's C++ would pay for it: no Java maps,
                // values skipped. What is left is the extension's work and the socket.
                // CPU time says what the work costs when other processes compete for the CPUs and
                // stretch the wall clock. The serving threads' time is the generate's own work, but
                // not the garbage collection it causes (the serial collector runs on the VM
                // thread); the whole process's holds that, and also the collector of events, busy
                // with whatever else the machine runs (its probes see every exec on the host).
                List<Double> leanMillis = new ArrayList<>();
                List<Double> leanCpuMillis = new ArrayList<>();
                List<Double> leanProcessCpuMillis = new ArrayList<>();
                for (int i = 0; i < generates; i++) {
                    long servingBefore = servingThreadsCpuNanos(child.pid());
                    long processBefore = processCpuNanos(child.pid());
                    long start = System.nanoTime();
                    long[] shape = leanGenerate(osqueryd.extensionSocket(uuid), all);
                    leanMillis.add((System.nanoTime() - start) / 1e6);
                    leanCpuMillis.add((servingThreadsCpuNanos(child.pid()) - servingBefore) / 1e6);
                    leanProcessCpuMillis.add((processCpuNanos(child.pid()) - processBefore) / 1e6);
                    if (shape[0] != fullRows || shape[1] != fullValues) {
                        throw new IllegalStateException("the lean read saw " + shape[0] + " rows, " + shape[1]
                                + " values; the full read " + fullRows + " rows, " + fullValues + " values");
                    }
                    System.err.printf("lean generate %d: %.0f ms, serving threads' CPU %.1f ms, process CPU %.1f ms"
                            + " (%d rows)%n", i + 1, leanMillis.get(i), leanCpuMillis.get(i),
                            leanProcessCpuMillis.get(i), shape[0]);
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
                table.add(new String[] {"extension serving-thread CPU per generate (GC not included), lean read, median of "
                        + generates,
                        String.format("%.1f ms (min %.1f), %,.0f rows per CPU second", median(leanCpuMillis),
                                Collections.min(leanCpuMillis), fullRows / (median(leanCpuMillis) / 1000))});
                table.add(new String[] {"extension process CPU over the same calls, median (GC and collector included)",
                        String.format("%.1f ms", median(leanProcessCpuMillis))});
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

    /**
     * One generate over a new connection, read the way osqueryd's C++ would pay for it: the
     * reply's bytes are walked in large reads (lengths followed, values skipped), so the
     * reader costs next to nothing and what is timed is the extension producing and writing
     * the response. (libthrift's TBinaryProtocol reader, which allocates a buffer per
     * string, was itself slower than the extension.) Returns {rows, values}.
     */
    private static long[] leanGenerate(Path socket, String context) throws Exception {
        org.apache.thrift.transport.TMemoryBuffer request = new org.apache.thrift.transport.TMemoryBuffer(1024);
        new io.vajra.osquery.thrift.Extension.Client(new org.apache.thrift.protocol.TBinaryProtocol(request))
                .send_call("table", TABLE, Map.of("action", "generate", "context", context));
        try (java.nio.channels.SocketChannel channel =
                java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.connect(java.net.UnixDomainSocketAddress.of(socket));
            channel.write(java.nio.ByteBuffer.wrap(request.getArray(), 0, request.length()));
            return new RawReplyReader(channel).generateReply();
        }
    }

    /** Walks a Thrift binary-protocol reply to Extension.call straight from the socket's bytes. */
    private static final class RawReplyReader {
        private static final byte STOP = 0;
        private static final byte I32 = 8;
        private static final byte I64 = 10;
        private static final byte STRING = 11;
        private static final byte STRUCT = 12;
        private static final byte MAP = 13;
        private static final byte LIST = 15;

        private final java.nio.channels.ReadableByteChannel channel;
        private final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(1 << 20).flip();

        RawReplyReader(java.nio.channels.ReadableByteChannel channel) {
            this.channel = channel;
        }

        /** {rows, values} of the ExtensionResponse; fails on a status other than 0 or a malformed reply. */
        long[] generateReply() throws IOException {
            int versionAndType = i32();
            if ((versionAndType & 0xffff0000) != 0x80010000 || (versionAndType & 0xff) != 2) {
                throw new IOException("not a binary-protocol REPLY: " + Integer.toHexString(versionAndType));
            }
            skip(i32()); // method name
            i32(); // seqid
            long[] shape = {-1, 0};
            for (byte type = u8(); type != STOP; type = u8()) { // call_result
                short id = i16();
                if (id != 0 || type != STRUCT) {
                    throw new IOException("the reply carries field " + id + ", not success");
                }
                for (byte t = u8(); t != STOP; t = u8()) { // ExtensionResponse
                    short field = i16();
                    if (field == 1 && t == STRUCT) {
                        status();
                    } else if (field == 2 && t == LIST) {
                        u8(); // element type: map
                        int rows = i32();
                        shape[0] = rows;
                        for (int r = 0; r < rows; r++) {
                            u8(); // key type
                            u8(); // value type
                            int values = i32();
                            shape[1] += values;
                            for (int v = 0; v < 2 * values; v++) {
                                skip(i32());
                            }
                        }
                    } else {
                        skipValue(t);
                    }
                }
            }
            return shape;
        }

        private void status() throws IOException {
            for (byte t = u8(); t != STOP; t = u8()) {
                short field = i16();
                if (field == 1 && t == I32) {
                    int code = i32();
                    if (code != 0) {
                        throw new IOException("generate failed with status code " + code);
                    }
                } else {
                    skipValue(t);
                }
            }
        }

        private void skipValue(byte type) throws IOException {
            switch (type) {
                case I32 -> skip(4);
                case I64 -> skip(8);
                case STRING -> skip(i32());
                case STRUCT -> {
                    for (byte t = u8(); t != STOP; t = u8()) {
                        i16();
                        skipValue(t);
                    }
                }
                default -> throw new IOException("unexpected Thrift type " + type + " in the reply");
            }
        }

        private void need(int bytes) throws IOException {
            while (buffer.remaining() < bytes) {
                buffer.compact();
                int n = channel.read(buffer);
                buffer.flip();
                if (n < 0) {
                    throw new IOException("the reply ended early");
                }
            }
        }

        private byte u8() throws IOException {
            need(1);
            return buffer.get();
        }

        private short i16() throws IOException {
            need(2);
            return buffer.getShort();
        }

        private int i32() throws IOException {
            need(4);
            return buffer.getInt();
        }

        private void skip(long bytes) throws IOException {
            long left = bytes;
            while (left > 0) {
                if (!buffer.hasRemaining()) {
                    need(1);
                }
                int step = (int) Math.min(left, buffer.remaining());
                buffer.position(buffer.position() + step);
                left -= step;
            }
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

    /** Launch to registered, each time against a fresh osqueryd double (with this config, if any). */
    private static List<Double> launchTimes(Path jar, Path work, int launches, String config) throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < launches; i++) {
            FakeOsqueryd.Builder builder = FakeOsqueryd.builder(work.resolve((config == null ? "launch" : "fim-launch") + i))
                    .pingInterval(Duration.ofSeconds(1));
            if (config != null) {
                builder.config("bench", config);
            }
            try (FakeOsqueryd osqueryd = builder.start()) {
                long start = System.nanoTime();
                Child child = Child.launch(jar, osqueryd.socket());
                long uuid = child.awaitRegistered(Duration.ofSeconds(60));
                millis.add((System.nanoTime() - start) / 1e6);
                osqueryd.shutdownExtension(uuid);
                child.awaitExit(Duration.ofSeconds(20));
            }
            System.err.printf("launch %d%s: %.0f ms%n", i + 1, config == null ? "" : " (FIM)", millis.get(i));
        }
        return millis;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** CPU time of the threads that serve osqueryd's calls (named vajra-extension-*), in ns. */
    private static long servingThreadsCpuNanos(long pid) throws IOException {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    // comm is cut to 15 characters: "vajra-extension"
                    if (Files.readString(task.resolve("comm")).startsWith("vajra-extension")) {
                        total += schedstatNanos(task);
                    }
                } catch (IOException gone) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return total;
    }

    /** utime + stime of the whole process, every thread, in ns (from stat: 10 ms ticks). */
    private static long processCpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name, which is in parentheses and may hold spaces.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        return ticks * 10_000_000L; // USER_HZ 100
    }

    /** The first field of schedstat: time spent on a CPU, in ns (finer than stat's ticks). */
    private static long schedstatNanos(Path procEntry) throws IOException {
        return Long.parseLong(Files.readString(procEntry.resolve("schedstat")).trim().split(" ")[0]);
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
