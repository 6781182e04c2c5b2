package io.vajra.cli;

import io.vajra.bpf.ProbeSettings;
import io.vajra.config.LiveConfig;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.osquery.CollectionPlan;
import io.vajra.osquery.RunningTables;
import io.vajra.table.Table;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The extension's tables and, unless osquery disabled events, the probes feeding them.
 * Settings: an option given on the command line wins, then what osquery asks
 * ({@link CollectionPlan}), then the command line's defaults.
 */
final class ExtensionTables implements RunningTables {
    private final List<Table> tables;
    private final Probes probes; // null when not collecting
    private final FileMonitoring files;
    private final LogMonitoring logs;
    private final String summary;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ExtensionTables(List<Table> tables, Probes probes, FileMonitoring files, LogMonitoring logs,
            String summary) {
        this.tables = tables;
        this.probes = probes;
        this.files = files;
        this.logs = logs;
        this.summary = summary;
    }

    /** The explicit command-line options, so osquery's values only fill what was not given. */
    record Explicit(boolean eventsMax, boolean eventsExpiry, boolean argvCap) {}

    static ExtensionTables start(CollectionPlan plan, LiveConfig config, CollectorOptions options,
            Explicit explicit, Probes.Launcher launcher, Consumer<String> log) {
        // osquery fills in what the command line left to its defaults; the options then build
        // the settings exactly as they do for the shell.
        if (!explicit.eventsMax()) {
            plan.eventsMax().ifPresent(rows -> options.eventsMax = rows);
        }
        if (!explicit.eventsExpiry()) {
            plan.eventsExpirySeconds().ifPresent(seconds -> options.eventsExpiry = Duration.ofSeconds(seconds));
        }
        if (!explicit.argvCap()) {
            plan.argvCap().ifPresent(bytes -> options.argvCap = bytes);
        }
        StoreSettings store = options.storeSettings();
        EventStore<ProcessEvent> processes = new EventStore<>(store);
        EventStore<SocketEvent> sockets = new EventStore<>(store); // the same limits, each
        String limits = "events_max " + store.capacityRows() + ", events_expiry " + store.expirySeconds()
                + " s, store bytes " + store.byteBudget();
        FileMonitoring files = new FileMonitoring(store, options.hashMaxBytes, log);
        LogMonitoring logs = new LogMonitoring(store, log);
        if (!plan.collect()) {
            return new ExtensionTables(VajraTables.idle(processes, sockets, files.store(), logs.store()), null, files,
                    logs, "not collecting (osquery disabled events); " + limits);
        }
        ProbeSettings probeSettings = options.probeSettings().withFiles(!config.current().fim().isEmpty());
        Probes probes;
        try {
            probes = launcher.start(probeSettings, processes, sockets, files.sink());
        } catch (RuntimeException e) {
            files.close();
            logs.close();
            throw e;
        }
        files.follow(probes, config);
        logs.follow(probes, config);
        // The same tables as the standalone shell (Session), so a query runs in either.
        return new ExtensionTables(VajraTables.live(processes, sockets, files, logs, probes), probes, files, logs,
                "collecting process, socket, file and log events: " + limits + ", ring "
                + probeSettings.ringBytes() + " bytes, argv_cap " + probeSettings.argvCap()
                + (probeSettings.failedExecs() ? "" : ", no failed execs"));
    }

    @Override
    public List<Table> tables() {
        return tables;
    }

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            logs.close();
            if (probes != null) {
                probes.close();
            }
            files.close();
        }
    }
}
