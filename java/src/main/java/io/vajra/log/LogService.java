package io.vajra.log;

import io.vajra.event.EventStore;
import io.vajra.event.WriteEventSink;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the log tailer on its own thread ("vajra-logs") and keeps the kernel's write probes
 * on the directories of the configured sources: a new configuration applies at once,
 * without restarting anything.
 *
 * <p>Rounds follow the writes: a write record from the kernel asks for one, at most every
 * {@link #ROUND_MILLIS} ms; without writes (or while the kernel cannot report them) a round
 * runs every {@link #IDLE_ROUND_MILLIS} ms, for what the kernel does not see (a file
 * renamed into place, writes through mmap). With no source configured no round runs: on a
 * VM every wake-up of a thread costs ~0.1 ms, and an idle machine should not pay ten a
 * second for nothing.
 *
 * <p>Threading: {@link #apply} from any thread; {@link #writes} on the collector's.
 */
public final class LogService implements AutoCloseable {
    static final int ROUND_MILLIS = 100;
    static final int IDLE_ROUND_MILLIS = 1_000;

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
    private final WriteEventSink writes;
    private LogConfig config = LogConfig.EMPTY; // on the worker
    private long[] watchedDirs = new long[0];  // on the worker
    private boolean traced;                     // on the worker: the kernel reports writes
    private ScheduledFuture<?> idleRounds;      // on the worker, while sources are configured
    private final AtomicBoolean roundAsked = new AtomicBoolean();
    private volatile long lastRoundNanos;

    public LogService(Kernel kernel, EventStore<LogLine> store, Consumer<String> log) {
        this.kernel = kernel;
        this.log = log;
        this.tailer = new LogTailer(store, ledger, log);
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vajra-logs");
            t.setDaemon(true);
            return t;
        });
        this.writes = (e, path, argv) -> {
            ledger.accept(e, path, argv);
            askRound();
        };
    }

    /** The collector's sink for write records: each one also asks for a round. */
    public WriteEventSink writes() {
        return writes;
    }

    /** A round soon, not sooner than ROUND_MILLIS after the last; one asked at a time. */
    private void askRound() {
        if (!roundAsked.compareAndSet(false, true)) {
            return;
        }
        long since = System.nanoTime() - lastRoundNanos;
        long delay = Math.max(0, TimeUnit.MILLISECONDS.toNanos(ROUND_MILLIS) - since);
        try {
            worker.schedule(this::round, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing
        }
    }

    /** Idle rounds every IDLE_ROUND_MILLIS, or every ROUND_MILLIS when writes are not reported. */
    private void scheduleIdleRounds() {
        if (idleRounds != null) {
            idleRounds.cancel(false);
            idleRounds = null;
        }
        if (config.sources().isEmpty()) {
            return;
        }
        long period = traced ? IDLE_ROUND_MILLIS : ROUND_MILLIS;
        idleRounds = worker.scheduleWithFixedDelay(this::round, period, period, TimeUnit.MILLISECONDS);
    }

    /** Follows what {@code next} asks, and waits until the kernel has its directories. */
    public void apply(LogConfig next) {
        try {
            worker.submit(() -> {
                config = next;
                refreshKernel(true);
                scheduleIdleRounds();
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
        boolean accepted = true;
        if (!java.util.Arrays.equals(dirs, watchedDirs)) {
            try {
                kernel.watch(dirs);
                watchedDirs = dirs;
            } catch (RuntimeException e) {
                accepted = false;
                if (!String.valueOf(e.getMessage()).equals(lastError)) {
                    lastError = String.valueOf(e.getMessage());
                    log.accept("log writes cannot be attributed: " + e.getMessage());
                }
            }
        }
        boolean wasTraced = traced;
        traced = accepted && dirs.length > 0;
        tailer.configure(sources, traced);
        if (traced != wasTraced && !changed) {
            scheduleIdleRounds(); // the kernel started or stopped reporting writes
        }
        if (changed && !sources.isEmpty()) {
            log.accept("logs: following " + sources.size() + " source(s) in " + dirs.length / 2 + " directories");
        }
    }

    private long lastKernelRefresh;
    private String lastError;

    private void round() {
        roundAsked.set(false);
        try {
            long now = System.nanoTime();
            lastRoundNanos = now;
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
