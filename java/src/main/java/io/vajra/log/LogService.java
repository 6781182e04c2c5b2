package io.vajra.log;

import io.vajra.event.EventStore;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the log tailer on its own thread ("vajra-logs", a round every
 * {@link #ROUND_MILLIS} ms) and keeps the kernel's write probes on the directories of the
 * configured sources: a new configuration applies at once, without restarting anything.
 *
 * <p>Threading: {@link #apply} from any thread.
 */
public final class LogService implements AutoCloseable {
    static final int ROUND_MILLIS = 100;

    /** Where the watched directories go: the collector's {@code watchLogs}. */
    @FunctionalInterface
    public interface Kernel {
        void watch(long[] dirs);
    }

    private final Kernel kernel;
    private final Consumer<String> log;
    private final WriteLedger ledger = new WriteLedger();
    private final LogTailer tailer;
    private final ScheduledExecutorService worker;
    private LogConfig config = LogConfig.EMPTY; // on the worker
    private long[] watchedDirs = new long[0];  // on the worker

    public LogService(Kernel kernel, EventStore<LogLine> store, Consumer<String> log) {
        this.kernel = kernel;
        this.log = log;
        this.tailer = new LogTailer(store, ledger, log);
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vajra-logs");
            t.setDaemon(true);
            return t;
        });
        worker.scheduleWithFixedDelay(this::round, ROUND_MILLIS, ROUND_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The collector's sink for write records. */
    public WriteLedger writes() {
        return ledger;
    }

    /** Follows what {@code next} asks, and waits until the kernel has its directories. */
    public void apply(LogConfig next) {
        try {
            worker.submit(() -> {
                config = next;
                refreshKernel(true);
                // The first look now: files there already start at their source's start
                // position, files created after apply() returns are new and read whole.
                tailer.round(System.nanoTime());
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.accept("cannot apply the log sources: " + e.getCause());
        }
    }

    private void refreshKernel(boolean changed) {
        List<LogSource> sources = config.sources();
        long[] dirs = LogTailer.directoriesOf(sources);
        boolean traced = true;
        if (!java.util.Arrays.equals(dirs, watchedDirs)) {
            try {
                kernel.watch(dirs);
                watchedDirs = dirs;
            } catch (RuntimeException e) {
                traced = false;
                if (!String.valueOf(e.getMessage()).equals(lastError)) {
                    lastError = String.valueOf(e.getMessage());
                    log.accept("log writes cannot be attributed: " + e.getMessage());
                }
            }
        }
        tailer.configure(sources, traced && dirs.length > 0);
        if (changed && !sources.isEmpty()) {
            log.accept("logs: following " + sources.size() + " source(s) in " + dirs.length / 2 + " directories");
        }
    }

    private long lastKernelRefresh;
    private String lastError;

    private void round() {
        try {
            long now = System.nanoTime();
            if (now - lastKernelRefresh >= LogTailer.RESCAN_NANOS) {
                lastKernelRefresh = now;
                refreshKernel(false); // directories created since (globs across directories)
            }
            tailer.round(now);
        } catch (RuntimeException e) {
            log.accept("logs: a round failed: " + e);
        }
    }

    public java.util.Map<String, Long> counters() {
        return tailer.counters();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tailer.closeAll();
    }
}
