package io.vajra.cli;


import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.shell.LiveDatabase;
import io.vajra.config.ConfigException;
import io.vajra.config.ConfigMonitor;
import io.vajra.config.ConfigSource;
import io.vajra.config.VajraConfigParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything one CLI run holds: the stores, the running probes, the tables and the SQL
 * database. The probes are closed exactly once, by {@link #close()} or, when the process is
 * interrupted, by the JVM shutdown hook.
 */
final class Session implements AutoCloseable {
    /** How often a --config file is re-read. */
    static final Duration CONFIG_REFRESH = Duration.ofSeconds(10);

    private final ProbesCloser closer;
    private final LiveDatabase database;

    private Session(ProbesCloser closer, LiveDatabase database) {
        this.closer = closer;
        this.database = database;
    }

    /**
     * Builds the stores (process and socket events, with the same limits each), starts the probes (so events flow before any input is read), then
     * the tables and the database.
     *
     * @throws io.vajra.bpf.ProbeException when the probes cannot be attached
     * @throws IllegalArgumentException    when an option is out of range
     */
    static Session start(CollectorOptions options, Probes.Launcher launcher) throws SQLException {
        return start(options, launcher, line -> { });
    }

    /**
     * As above; {@code log} gets one line per configuration change or problem.
     *
     * @throws IllegalArgumentException also when the --config file cannot be read or is invalid
     */
    static Session start(CollectorOptions options, Probes.Launcher launcher, Consumer<String> log)
            throws SQLException {
        StoreSettings store = options.storeSettings();
        ConfigMonitor config = configMonitor(options.config, log);
        EventStore<ProcessEvent> processes = new EventStore<>(store);
        EventStore<SocketEvent> sockets = new EventStore<>(store);
        FileMonitoring files = new FileMonitoring(store, options.hashMaxBytes, log);
        LogMonitoring logs = new LogMonitoring(store, log);
        Probes probes;
        try {
            probes = launcher.start(options.probeSettings().withFiles(!config.current().fim().isEmpty()),
                    processes, sockets, files.sink());
        } catch (RuntimeException e) {
            files.close();
            logs.close();
            config.close();
            throw e;
        }
        ProbesCloser closer = new ProbesCloser(probes, files, logs, config);
        try {
            files.follow(probes, config);
            logs.follow(probes, config);
            if (options.config != null) {
                config.start(CONFIG_REFRESH);
            }
            return new Session(closer, new LiveDatabase(VajraTables.live(processes, sockets, files, logs, probes)));
        } catch (SQLException | RuntimeException e) {
            closer.close();
            throw e;
        }
    }

    /** The --config file's configuration, checked now so a broken file stops the start. */
    private static ConfigMonitor configMonitor(Path file, Consumer<String> log) {
        ConfigSource source = file == null ? Map::of : () -> {
            try {
                return Map.of(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
            }
        };
        try {
            VajraConfigParser.parse(source.read());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("--config: " + e.getMessage(), e);
        }
        ConfigMonitor monitor = new ConfigMonitor(source, log);
        monitor.refresh();
        return monitor;
    }

    LiveDatabase database() {
        return database;
    }

    @Override
    public void close() {
        closer.close();
        try {
            database.close();
        } catch (SQLException ignored) {
            // An in-memory database has nothing to lose.
        }
    }

    /** Closes the probes once, from whichever comes first: close() or JVM shutdown. */
    private static final class ProbesCloser {
        private final Probes probes;
        private final FileMonitoring files;
        private final LogMonitoring logs;
        private final ConfigMonitor config;
        private final AtomicBoolean closed = new AtomicBoolean();
        private final Thread shutdownHook;

        ProbesCloser(Probes probes, FileMonitoring files, LogMonitoring logs, ConfigMonitor config) {
            this.probes = probes;
            this.files = files;
            this.logs = logs;
            this.config = config;
            this.shutdownHook = new Thread(this::closeProbes, "vajra-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }

        void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or about to; closeProbes is idempotent.
            }
            closeProbes();
        }

        private void closeProbes() {
            if (closed.compareAndSet(false, true)) {
                config.close();
                logs.close();
                probes.close();
                files.close();
            }
        }
    }
}
