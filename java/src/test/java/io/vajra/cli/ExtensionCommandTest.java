package io.vajra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeCounters;
import io.vajra.bpf.ProbeSettings;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.osquery.FakeOsqueryd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vajra extension} in process, against the osqueryd double, with no kernel involved. */
class ExtensionCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final NoKernelProbes probes = new NoKernelProbes();

    /** Records what the extension asked of the probes. */
    private static final class NoKernelProbes implements Probes, Probes.Launcher {
        volatile ProbeSettings settings;
        volatile EventStore<ProcessEvent> store;
        volatile int closed;

        @Override
        public Probes start(ProbeSettings probeSettings, EventStore<ProcessEvent> processes,
                EventStore<SocketEvent> sockets) {
            settings = probeSettings;
            store = processes;
            return this;
        }

        @Override
        public ProbeCounters counters() {
            return new ProbeCounters(new long[ProbeCounters.NAMES.length]);
        }

        @Override
        public int ringBytes() {
            return settings.ringBytes();
        }

        @Override
        public int knownProcesses() {
            return 0;
        }

        @Override
        public long bootToUnixNanos() {
            return 0;
        }

        @Override
        public void close() {
            closed++;
        }
    }

    private int run(String... args) {
        return new Main(probes, new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), err, () -> false)
                .execute(args);
    }

    private CompletableFuture<Integer> start(String... args) {
        return CompletableFuture.supplyAsync(() -> run(args));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The extension serves once it has said so; osqueryd's record of it comes a moment earlier. */
    private void awaitServing(FakeOsqueryd osqueryd) throws InterruptedException {
        long uuid = osqueryd.awaitRegistration(Duration.ofSeconds(10)).uuid();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!stderr().contains("vajra: registered as uuid " + uuid + ",")) {
            assertTrue(System.nanoTime() < deadline, stderr());
            Thread.sleep(10);
        }
    }

    @Test
    void noManagerMeansExit1AfterTheTimeoutAndUnknownArgumentsOnlyWarn() {
        String socket = dir.resolve("missing.em").toString();
        assertEquals(1, run("extension", "--newer-osquery-flag", "x", "--socket=" + socket, "--timeout", "0.3",
                "--interval", "1"));
        assertTrue(stderr().contains("vajra: warning: ignoring arguments Vajra does not know: --newer-osquery-flag x"),
                stderr());
        assertTrue(stderr().contains("vajra: osquery's extension manager at " + socket + " did not answer within 0.3 s"),
                stderr());
        assertEquals(null, probes.settings, "no probe is loaded before osquery answers");
    }

    @Test
    void badUsageIsExit2() {
        assertEquals(2, run("extension", "--timeout", "3"));
        assertEquals(2, run("extension", "--socket", "/x", "--interval", "soon"));
        assertEquals(2, run("extension", "--socket", "/x", "--table-prefix", "a b"));
    }

    @Test
    void osquerysLimitsApplyUnlessTheCommandLineSetsThem() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir)
                .option("events_max", "123").option("events_expiry", "77")
                .config("/etc/osquery/osquery.conf", "{\"vajra\":{\"argv_cap\":1024}}")
                .start()) {
            CompletableFuture<Integer> exit = start("extension", "--verbose", "--socket", osqueryd.socket().toString(),
                    "--timeout", "3", "--interval", "0.2", "--events-expiry", "2h");
            awaitServing(osqueryd);
            FakeOsqueryd.Registration registration = osqueryd.onlyExtension();
            assertEquals(123, probes.store.settings().capacityRows());
            assertEquals(7200, probes.store.settings().expirySeconds(), "the command line wins");
            assertEquals(1024, probes.settings.argvCap(), "from the vajra section");
            List<Map<String, String>> stats = osqueryd.generate("vajra_stats", "{}");
            assertTrue(stats.stream().anyMatch(r -> "capacity".equals(r.get("name")) && "123".equals(r.get("value"))));
            assertTrue(stderr().contains("vajra: registered as uuid " + registration.uuid()
                    + ", tables: bpf_process_events, bpf_socket_events, bpf_file_events, bpf_log_events, vajra_stats"), stderr());
            assertEquals(registration.tables().size(), Arrays.stream(stderr().split("\n"))
                    .filter(l -> l.startsWith("vajra: registered as uuid ")).findFirst().orElseThrow()
                    .split("tables: ")[1].split(", ").length, "the line names every table");
            osqueryd.shutdownExtension();
            assertEquals(0, exit.get(10, TimeUnit.SECONDS));
            assertEquals(1, probes.closed);
        }
    }

    @Test
    void disabledEventsLoadNoProbes() throws Exception {
        try (FakeOsqueryd osqueryd = FakeOsqueryd.builder(dir).option("disable_events", "true").start()) {
            CompletableFuture<Integer> exit = start("extension", "--socket", osqueryd.socket().toString(),
                    "--interval", "0.2");
            awaitServing(osqueryd);
            assertEquals(List.of(), osqueryd.generate("bpf_process_events", "{}"));
            assertEquals(null, probes.settings);
            assertTrue(stderr().contains("vajra: osquery runs with --disable_events=true: no events are collected"),
                    stderr());
            osqueryd.stop();
            assertEquals(0, exit.get(10, TimeUnit.SECONDS));
            assertTrue(stderr().contains("vajra: stopping: osquery's extension manager is gone"), stderr());
        }
    }
}
