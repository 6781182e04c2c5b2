package io.vajra.cli;

import static io.vajra.testing.ProcessEventBuilder.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeCounters;
import io.vajra.bpf.ProbeException;
import io.vajra.bpf.ProbeSettings;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.testing.ProcessEventBuilder;
import io.vajra.testing.SocketEventBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MainTest {
    /** Appends two events at start, like a collector that has seen two execs. */
    private static final class FakeProbes implements Probes, Probes.Launcher {
        ProbeSettings settings;
        EventStore<ProcessEvent> store;
        EventStore<SocketEvent> sockets;
        boolean started;
        int closed;
        RuntimeException failure;

        @Override
        public Probes start(ProbeSettings probeSettings, EventStore<ProcessEvent> processes,
                EventStore<SocketEvent> sockets) {
            if (failure != null) {
                throw failure;
            }
            settings = probeSettings;
            store = processes;
            this.sockets = sockets;
            started = true;
            long now = System.currentTimeMillis() * 1_000_000L;
            processes.append(ProcessEventBuilder.exec().unixNanos(now).build());
            processes.append(ProcessEventBuilder.exec().unixNanos(now).pid(7)
                    .argv(bytes("sh\0-c\0echo hi\0"), 3).build());
            sockets.append(SocketEventBuilder.connect().unixNanos(now).build());
            return this;
        }

        @Override
        public ProbeCounters counters() {
            long[] values = new long[ProbeCounters.NAMES.length];
            values[0] = 2; // sent_exec
            return new ProbeCounters(values);
        }

        @Override
        public int ringBytes() {
            return settings.ringBytes();
        }

        @Override
        public int knownProcesses() {
            return 99;
        }

        @Override
        public long bootToUnixNanos() {
            return ProcessEventBuilder.BOOT_TO_UNIX;
        }

        volatile long[] watchedRoots;

        @Override
        public void watchFiles(long[] roots, long[] steps, boolean accesses) {
            watchedRoots = roots;
        }

        @Override
        public void close() {
            closed++;
        }
    }

    private final FakeProbes probes = new FakeProbes();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(InputStream in, String... args) {
        return new Main(probes, in, out, err, () -> false).execute(args);
    }

    private int run(String... args) {
        return run(new ByteArrayInputStream(new byte[0]), args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void queryPrintsJsonLinesAndClosesTheCollector() {
        assertEquals(0, run("query", "SELECT pid, cmdline FROM bpf_process_events ORDER BY eid", "--json"));
        assertEquals("{\"pid\":100,\"cmdline\":\"ls -l\"}\n{\"pid\":7,\"cmdline\":\"sh -c 'echo hi'\"}\n", out());
        assertEquals("", err());
        assertEquals(1, probes.closed);
    }

    @Test
    void queryPrintsAPrettyTableByDefault() {
        assertEquals(0, run("query", "SELECT name, value FROM vajra_stats WHERE (source = 'collector' AND family = 'process') OR name = 'sent_exec'"));
        assertEquals(String.join("\n",
                "+-----------------+-------+",
                "| name            | value |",
                "+-----------------+-------+",
                "| sent_exec       | 2     |",
                "| known_processes | 99    |",
                "+-----------------+-------+",
                ""), out());
    }

    @Test
    void socketEventsAreATableToo() {
        assertEquals(0, run("query", "SELECT pid, syscall, status, remote_address, remote_port FROM bpf_socket_events",
                "--json"));
        assertEquals("{\"pid\":100,\"syscall\":\"connect\",\"status\":\"succeeded\",\"remote_address\":\"127.0.0.1\","
                + "\"remote_port\":8080}\n", out());
    }

    @Test
    void aConfigFileSetsWhatFimWatches(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path config = dir.resolve("osquery.conf");
        java.nio.file.Files.writeString(config, "{\"file_paths\": {\"here\": [\"" + dir + "/%%\"]}}");
        assertEquals(0, run("query", "SELECT count(*) AS n FROM bpf_file_events", "--json", "--config", config.toString()));
        assertEquals("{\"n\":0}\n", out());
        assertEquals(3, probes.watchedRoots.length, "one root: (ino, dev, flags)");
        assertTrue(err().contains("vajra: FIM: watching 1 directories"), err());
    }

    @Test
    void aBrokenConfigFileStopsTheStartWithTheReason(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path config = dir.resolve("osquery.conf");
        java.nio.file.Files.writeString(config, "{\"file_paths\": {\"bad\": [\"relative/%%\"]}}");
        assertEquals(2, run("query", "SELECT 1", "--config", config.toString()));
        assertTrue(err().contains("--config: ") && err().contains("must be an absolute path"), err());
        assertEquals(2, run("query", "SELECT 1", "--config", dir.resolve("missing.conf").toString()));
        assertTrue(err().contains("cannot read"), err());
    }

    @Test
    void aFailingQueryExitsWithOne() {
        assertEquals(1, run("query", "SELECT nope FROM bpf_process_events"));
        assertEquals("Error: no such column: nope\n", err());
        assertEquals(1, probes.closed);
    }

    @Test
    void shellReadsStdinLineByLineAfterTheCollectorStarted() {
        InputStream in = new InputStream() {
            private final InputStream lines = new ByteArrayInputStream(
                    "SELECT count(*) AS n FROM bpf_process_events;\nSELECT bad;\nSELECT 2 AS two\n".getBytes(StandardCharsets.UTF_8));

            @Override
            public int read() throws IOException {
                if (!probes.started) {
                    throw new AssertionError("input read before the collector started");
                }
                return lines.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (!probes.started) {
                    throw new AssertionError("input read before the collector started");
                }
                return lines.read(b, off, len);
            }
        };
        assertEquals(0, run(in, "shell", "--json"));
        assertEquals("{\"n\":2}\n{\"two\":2}\n", out());
        assertEquals("Error: no such column: bad\n", err());
        assertEquals(1, probes.closed);
    }

    @Test
    void aProbeFailureIsReportedInOneLine() {
        probes.failure = new ProbeException("cannot attach sys_enter_execve: permission denied (run as root)");
        assertEquals(1, run("shell"));
        assertEquals("vajra: cannot attach sys_enter_execve: permission denied (run as root)\n", err());
        assertEquals("", out());
    }

    @Test
    void collectorOptionsReachTheProbesAndTheStore() {
        assertEquals(0, run("query", "--ring-size", "1M", "--argv-cap", "4K", "--no-failed-execs",
                "--events-max", "1", "--events-expiry", "2m", "--store-bytes", "1MiB",
                "SELECT name, value FROM vajra_stats WHERE source = 'store' AND family = 'process' AND name IN "
                        + "('capacity', 'byte_budget', 'expiry_seconds', 'evicted_capacity')", "--json"));
        assertEquals(new ProbeSettings(1 << 20, 4096, false), probes.settings);
        assertEquals(probes.store.settings(), probes.sockets.settings(), "socket events are kept alike");
        assertEquals("{\"name\":\"capacity\",\"value\":1}\n{\"name\":\"byte_budget\",\"value\":1048576}\n"
                + "{\"name\":\"expiry_seconds\",\"value\":120}\n{\"name\":\"evicted_capacity\",\"value\":1}\n", out());
    }

    @Test
    void defaultsMatchTheDocumentation() {
        assertEquals(0, run("query", "SELECT 1"));
        assertEquals(ProbeSettings.defaults(), probes.settings);
        assertEquals(50_000, probes.store.settings().capacityRows());
        assertEquals(64L << 20, probes.store.settings().byteBudget());
        assertEquals(3600, probes.store.settings().expirySeconds());
        assertEquals(probes.store.settings(), probes.sockets.settings(), "socket events are kept alike");
    }

    @Test
    void anOutOfRangeOptionIsAUsageError() {
        assertEquals(2, run("query", "--ring-size", "3000", "SELECT 1"));
        assertEquals("vajra: ring size must be a power of two >= 4096 bytes, not 3000\n", err());
        assertFalse(probes.started);
    }

    @Test
    void anUnparsableSizeIsAUsageError() {
        assertEquals(2, run("shell", "--ring-size", "12Q"));
        assertTrue(err().startsWith("Invalid value for option '--ring-size': '12Q' is not a size"), err());
    }

    @Test
    void versionComesFromTheBuild() {
        assertEquals(0, run("--version"));
        assertTrue(out().matches("vajra \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n"), out());
    }

    @Test
    void noSubcommandShowsUsage() {
        assertEquals(2, run());
        assertTrue(err().startsWith("Usage: vajra [-hV] [COMMAND]"), err());
        assertTrue(err().contains("  shell"), err());
        assertTrue(err().contains("  query"), err());
    }

    @Test
    void sizesAndDurations() {
        assertEquals(16L << 20, ByteSize.parse("16M"));
        assertEquals(32L << 10, ByteSize.parse("32k"));
        assertEquals(64L << 20, ByteSize.parse("64MiB"));
        assertEquals(1L << 30, ByteSize.parse("1GB"));
        assertEquals(4096, ByteSize.parse("4096"));
        assertEquals(512, ByteSize.parse("512B"));
        assertEquals(Duration.ofSeconds(5), DurationText.parse("5s"));
        assertEquals(Duration.ofSeconds(3600), DurationText.parse("3600"));
        assertEquals(Duration.ofMillis(250), DurationText.parse("250ms"));
        assertEquals(Duration.ofMinutes(30), DurationText.parse("30m"));
        assertEquals(Duration.ofHours(1), DurationText.parse("1h"));
    }
}
