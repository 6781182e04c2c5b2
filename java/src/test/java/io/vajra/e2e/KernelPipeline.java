package io.vajra.e2e;

import io.vajra.bpf.ProbeSettings;
import io.vajra.event.Collector;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.fim.FileChange;
import io.vajra.fim.FileHasher;
import io.vajra.fim.FimConfig;
import io.vajra.fim.FimService;
import io.vajra.log.LogConfig;
import io.vajra.log.LogLine;
import io.vajra.log.LogService;
import io.vajra.table.FileEventsTable;
import io.vajra.table.LogEventsTable;
import io.vajra.table.Column;
import io.vajra.table.ProcessEventsTable;
import io.vajra.table.QueryConstraints;
import io.vajra.table.SocketEventsTable;
import io.vajra.table.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The whole pipeline on the real kernel — probes, ring, native decoder, collector, store,
 * table — for end-to-end tests. Rows are matched by the test's own pids and markers, and
 * waited for with a deadline: the machine may be busy with other work.
 */
final class KernelPipeline implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofSeconds(15);

    final EventStore<ProcessEvent> store;
    final EventStore<SocketEvent> sockets;
    final EventStore<FileChange> files;
    final FimService fim;
    final Collector collector;
    final Table processEvents;
    final Table socketEvents;
    final Table fileEvents;
    final EventStore<LogLine> logs;
    final LogService logService;
    final Table logEvents;

    KernelPipeline(ProbeSettings settings) {
        this.store = new EventStore<>(StoreSettings.defaults());
        this.sockets = new EventStore<>(StoreSettings.defaults());
        this.files = new EventStore<>(StoreSettings.defaults());
        AtomicReference<Collector> running = new AtomicReference<>();
        this.fim = new FimService((roots, steps, accesses) -> running.get().watchFiles(roots, steps, accesses),
                files, new FileHasher(64 << 20, 4096, 4096), line -> { });
        this.collector = Collector.start(settings, store, sockets, fim.rows());
        running.set(collector);
        this.processEvents = new ProcessEventsTable(store, collector::bootToUnixNanos);
        this.socketEvents = new SocketEventsTable(sockets);
        this.fileEvents = new FileEventsTable(files);
        this.logs = new EventStore<>(StoreSettings.defaults());
        this.logService = new LogService(dirs -> running.get().watchLogs(dirs), logs, line -> { });
        collector.onWrites(logService.writes());
        this.logEvents = new LogEventsTable(logs);
    }

    /** Follows the log sources of a vajra.log_files value (JSON array). */
    void watchLogs(String logFilesJson) {
        try {
            logService.apply(LogConfig.parse(logFilesJson, "test: vajra.log_files"));
        } catch (io.vajra.config.ConfigException e) {
            throw new AssertionError(e);
        }
    }

    /** Rows of bpf_log_events as column name -> value. */
    List<Map<String, Object>> logRows() {
        return rowsOf(logEvents);
    }

    /** As {@link #await}, in bpf_log_events. */
    List<Map<String, Object>> awaitLog(int count, Predicate<Map<String, Object>> match) {
        return awaitIn(logEvents, count, match);
    }

    /** Watches what an osquery configuration's file_paths/exclude_paths/file_accesses ask. */
    void watch(String configJson) {
        try {
            fim.apply(FimConfig.parse(configJson));
        } catch (io.vajra.config.ConfigException e) {
            throw new AssertionError(e);
        }
    }

    /** Rows of bpf_file_events as column name -> value. */
    List<Map<String, Object>> fileRows() {
        return rowsOf(fileEvents);
    }

    /** As {@link #await}, in bpf_file_events. */
    List<Map<String, Object>> awaitFile(int count, Predicate<Map<String, Object>> match) {
        return awaitIn(fileEvents, count, match);
    }

    /** Rows of bpf_process_events as column name -> value. */
    List<Map<String, Object>> rows() {
        return rowsOf(processEvents);
    }

    /** Rows of bpf_socket_events as column name -> value. */
    List<Map<String, Object>> socketRows() {
        return rowsOf(socketEvents);
    }

    private static List<Map<String, Object>> rowsOf(Table table) {
        List<Column> columns = table.columns();
        List<Map<String, Object>> rows = new ArrayList<>();
        table.generate(QueryConstraints.NONE, row -> {
            Map<String, Object> named = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                named.put(columns.get(i).name(), row[i]);
            }
            rows.add(named);
            return true;
        });
        return rows;
    }

    /** Waits until at least {@code count} rows match, then returns all that match. */
    List<Map<String, Object>> await(int count, Predicate<Map<String, Object>> match) {
        return awaitIn(processEvents, count, match);
    }

    Map<String, Object> awaitOne(Predicate<Map<String, Object>> match) {
        return exactlyOne(await(1, match));
    }

    /** As {@link #await}, in bpf_socket_events. */
    List<Map<String, Object>> awaitSocket(int count, Predicate<Map<String, Object>> match) {
        return awaitIn(socketEvents, count, match);
    }

    /** As {@link #awaitOne}, in bpf_socket_events. */
    Map<String, Object> awaitOneSocket(Predicate<Map<String, Object>> match) {
        return exactlyOne(awaitSocket(1, match));
    }

    private static List<Map<String, Object>> awaitIn(Table table, int count, Predicate<Map<String, Object>> match) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<Map<String, Object>> found = List.of();
        while (System.nanoTime() < deadline) {
            found = rowsOf(table).stream().filter(match).toList();
            if (found.size() >= count) {
                return found;
            }
            sleep(20);
        }
        throw new AssertionError("expected " + count + " matching rows of " + table.name() + " within " + DEADLINE
                + ", found " + found.size() + ": " + abbreviated(found));
    }

    private static Map<String, Object> exactlyOne(List<Map<String, Object>> found) {
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one matching row, found " + abbreviated(found));
        }
        return found.get(0);
    }

    /** Rows for a failure message, long values cut (a 200 KiB cmdline helps nobody). */
    static String abbreviated(List<Map<String, Object>> rows) {
        StringBuilder out = new StringBuilder();
        for (Map<String, Object> row : rows) {
            out.append("\n  {");
            row.forEach((k, v) -> {
                String text = String.valueOf(v);
                out.append(k).append('=').append(text.length() > 120 ? text.substring(0, 120) + "..." : text).append(", ");
            });
            out.append('}');
        }
        return out.toString();
    }

    static Predicate<Map<String, Object>> where(String column, Object value) {
        return row -> value.equals(row.get(column));
    }

    /** Runs a command to completion in {@code dir}; returns the finished process. */
    static Process run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("command did not finish: " + String.join(" ", command));
            }
            return p;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs a command and returns what it printed. */
    static String output(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Path helper() {
        return Path.of(System.getProperty("vajra.test.helpers"), "exec_helper");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        logService.close();
        collector.close();
        fim.close();
    }
}
