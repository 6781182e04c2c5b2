package io.vajra.cli;

import io.vajra.config.LiveConfig;
import io.vajra.event.EventStore;
import io.vajra.event.StoreSettings;
import io.vajra.log.LogLine;
import io.vajra.log.LogService;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Log sources as one CLI run holds them: the row store and the service that tails the
 * files and keeps the kernel's write probes on their directories. Attached to the probes
 * once they run; follows the configuration's {@code vajra.log_files}.
 */
final class LogMonitoring implements AutoCloseable {
    private final EventStore<LogLine> store;
    private final LogService service;
    private final AtomicReference<Probes> probes = new AtomicReference<>();

    LogMonitoring(StoreSettings storeSettings, Consumer<String> log) {
        this.store = new EventStore<>(storeSettings);
        this.service = new LogService(dirs -> {
            Probes running = probes.get();
            if (running == null) {
                throw new IllegalStateException("not collecting");
            }
            running.watchLogs(dirs);
        }, store, log);
    }

    EventStore<LogLine> store() {
        return store;
    }

    Map<String, Long> counters() {
        return service.counters();
    }

    /** Follows the configured log sources now and whenever they change. */
    void follow(Probes running, LiveConfig config) {
        probes.set(running);
        running.onWrites(service.writes());
        service.apply(config.current().logs());
        config.subscribe((previous, current) -> {
            if (!previous.logs().equals(current.logs())) {
                service.apply(current.logs());
            }
        });
    }

    @Override
    public void close() {
        service.close();
    }
}
