package io.vajra.cli;

import io.vajra.config.LiveConfig;
import io.vajra.event.EventStore;
import io.vajra.event.FileEventSink;
import io.vajra.event.StoreSettings;
import io.vajra.fim.FileChange;
import io.vajra.fim.FileHasher;
import io.vajra.fim.FimService;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * FIM as one CLI run holds it: the row store, the hasher and the service that keeps the
 * kernel's filter in step with the configuration. Built before the probes (the collector
 * needs its sink), attached to them once they run.
 */
final class FileMonitoring implements AutoCloseable {
    static final int HASH_QUEUE = 4096;
    static final int HASH_CACHE = 4096;
    /** How long a hash request waits for more writes to the same file before it is read. */
    static final java.time.Duration HASH_SETTLE = java.time.Duration.ofMillis(20);
    /** A file is read for hashing at most once per this: a file rewritten without pause
     *  costs ten reads a second, not fifty. */
    static final java.time.Duration HASH_INTERVAL = java.time.Duration.ofMillis(100);

    private final EventStore<FileChange> store;
    private final FimService service;
    private final AtomicReference<Probes> probes = new AtomicReference<>();

    FileMonitoring(StoreSettings storeSettings, long hashMaxBytes, Consumer<String> log) {
        this.store = new EventStore<>(storeSettings);
        FileHasher hasher = new FileHasher(hashMaxBytes, HASH_QUEUE, HASH_CACHE, HASH_SETTLE, HASH_INTERVAL);
        this.service = new FimService((roots, steps, accesses) -> {
            Probes running = probes.get();
            if (running != null) {
                running.watchFiles(roots, steps, accesses);
            }
        }, store, hasher, log);
    }

    EventStore<FileChange> store() {
        return store;
    }

    FileEventSink sink() {
        return service.rows();
    }

    Map<String, Long> counters() {
        return service.rows().counters();
    }

    /** Watches what the configuration asks now and whenever its FIM settings change. */
    void follow(Probes running, LiveConfig config) {
        probes.set(running);
        service.apply(config.current().fim());
        config.subscribe((previous, current) -> {
            if (!previous.fim().equals(current.fim())) {
                service.apply(current.fim());
            }
        });
    }

    @Override
    public void close() {
        service.close();
    }
}
