package io.vajra.cli;


import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.shell.LiveDatabase;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything one CLI run holds: the stores, the running probes, the tables and the SQL
 * database. The probes are closed exactly once, by {@link #close()} or, when the process is
 * interrupted, by the JVM shutdown hook.
 */
final class Session implements AutoCloseable {
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
        StoreSettings store = options.storeSettings();
        EventStore<ProcessEvent> processes = new EventStore<>(store);
        EventStore<SocketEvent> sockets = new EventStore<>(store);
        Probes probes = launcher.start(options.probeSettings(), processes, sockets);
        ProbesCloser closer = new ProbesCloser(probes);
        try {
            return new Session(closer, new LiveDatabase(VajraTables.live(processes, sockets, probes)));
        } catch (SQLException | RuntimeException e) {
            closer.close();
            throw e;
        }
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
        private final AtomicBoolean closed = new AtomicBoolean();
        private final Thread shutdownHook;

        ProbesCloser(Probes probes) {
            this.probes = probes;
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
                probes.close();
            }
        }
    }
}
