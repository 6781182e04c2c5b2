package io.vajra.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Holds the latest valid {@link VajraConfig}, re-reads it periodically and tells subscribers
 * when it changes. A read or parse failure is logged and the previous configuration stays.
 *
 * <p>Threading: {@link #current()} and {@link #subscribe} from any thread; refreshes run on
 * the caller ({@link #refresh()}) or on the monitor's own daemon thread ({@link #start}).
 */
public final class ConfigMonitor implements LiveConfig, AutoCloseable {
    private final ConfigSource source;
    private final Consumer<String> log;
    private final List<ConfigListener> listeners = new CopyOnWriteArrayList<>();
    private final Object refreshLock = new Object();
    private volatile VajraConfig current = VajraConfig.EMPTY;
    private ScheduledExecutorService timer;

    /** @param log receives one line per problem or change, for the user */
    public ConfigMonitor(ConfigSource source, Consumer<String> log) {
        this.source = source;
        this.log = log;
    }

    @Override
    public VajraConfig current() {
        return current;
    }

    @Override
    public void subscribe(ConfigListener listener) {
        listeners.add(listener);
    }

    /**
     * Reads and parses the configuration now.
     *
     * @return true when a new configuration was taken (also the first non-empty one)
     */
    public boolean refresh() {
        synchronized (refreshLock) {
            VajraConfig next;
            try {
                Map<String, String> sources = source.read();
                next = VajraConfigParser.parse(sources);
            } catch (ConfigException | RuntimeException e) {
                log.accept("cannot use osquery's configuration, keeping the previous one: " + e.getMessage());
                return false;
            }
            VajraConfig previous = current;
            if (next.equals(previous)) {
                return false;
            }
            next.unknownKeys().forEach((key, value) -> {
                if (!value.equals(previous.unknownKeys().get(key))) {
                    log.accept("warning: unknown key " + VajraConfigParser.SECTION + "." + key
                            + " in osquery's configuration, kept but not used");
                }
            });
            current = next;
            for (ConfigListener listener : listeners) {
                try {
                    listener.configChanged(previous, next);
                } catch (RuntimeException e) {
                    log.accept("a configuration listener failed: " + e);
                }
            }
            return true;
        }
    }

    /** Re-reads every {@code period} on a daemon thread until closed. */
    public synchronized void start(Duration period) {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vajra-config");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(1, period.toMillis());
        timer.scheduleWithFixedDelay(this::refresh, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
