package io.vajra.fim;

import io.vajra.event.EventStore;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the kernel's FIM filter in step with the configuration and the file system: applies
 * a new {@link FimConfig} at run time (the probes stay loaded, no event is lost), recomputes
 * the watch set when a configured root that did not exist appears, and every
 * {@link #RESCAN_SECONDS} seconds (a root renamed, deleted and re-created, a new bind mount).
 *
 * <p>Threading: {@link #apply} from any thread; the work runs on one "vajra-fim" thread.
 */
public final class FimService implements AutoCloseable {
    public static final int RESCAN_SECONDS = 10;

    /** Where a watch set goes: the collector's {@code watchFiles}. */
    @FunctionalInterface
    public interface Kernel {
        void watch(long[] roots, long[] steps, boolean accesses);
    }

    private final Kernel kernel;
    private final Consumer<String> log;
    private final ScheduledExecutorService worker;
    private final FileRows rows;
    private final FileHasher hasher;
    private volatile FileRows.FimState state = FileRows.FimState.EMPTY;
    private FimConfig config = FimConfig.EMPTY; // on the worker

    /**
     * @param log one line per change or problem, for the user
     */
    public FimService(Kernel kernel, EventStore<FileChange> store, FileHasher hasher, Consumer<String> log) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.log = log;
        this.hasher = hasher;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vajra-fim");
            t.setDaemon(true);
            return t;
        });
        this.rows = new FileRows(store, () -> state, hasher, created -> worker.execute(this::rescan));
        worker.scheduleWithFixedDelay(this::rescan, RESCAN_SECONDS, RESCAN_SECONDS, TimeUnit.SECONDS);
    }

    /** The collector's sink for file records. */
    public FileRows rows() {
        return rows;
    }

    /** Watches what {@code next} asks, and waits until the kernel has it. */
    public void apply(FimConfig next) {
        try {
            worker.submit(() -> {
                config = next;
                recompute(true);
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.accept("cannot apply the FIM configuration: " + e.getCause());
        }
    }

    /** Recomputes the watch set now (as the periodic rescan does) and waits for it. */
    public void rescanNow() {
        try {
            worker.submit(this::rescan).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.accept("FIM: rescan failed: " + e.getCause());
        }
    }

    public WatchSet watchSet() {
        return state.watch();
    }

    private void rescan() {
        try {
            recompute(false);
        } catch (RuntimeException e) {
            log.accept("FIM: recomputing the watched directories failed: " + e);
        }
    }

    private void recompute(boolean configChanged) {
        FimMatcher matcher = configChanged ? new FimMatcher(config) : state.matcher();
        List<WatchSet.Mount> own = WatchSet.mounts(java.nio.file.Path.of("/proc/self/mountinfo"));
        WatchSet next = WatchSet.compute(matcher, WatchSet.FILE_SYSTEM,
                own.stream().map(WatchSet.Mount::mountPoint).toList(), own, WatchSet.otherNamespaces());
        FileRows.FimState previous = state;
        if (!configChanged && sameKernelView(previous.watch(), next)) {
            return;
        }
        // Rows are matched with the new state before the kernel sends its first event for it.
        state = new FileRows.FimState(matcher, next);
        kernel.watch(next.rootTriples(), next.stepQuintuples(), next.accesses());
        boolean nothingEitherWay = previous.watch().isEmpty() && next.isEmpty();
        if (!nothingEitherWay && (configChanged || !previous.watch().pending().equals(next.pending()))) {
            log.accept("FIM: watching " + next.rootCount() + " directories (" + next.stepCount() + " steps)"
                    + (next.pending().isEmpty() ? "" : "; not there yet: " + List.copyOf(next.pending())));
        }
    }

    private static boolean sameKernelView(WatchSet a, WatchSet b) {
        return java.util.Arrays.equals(a.rootTriples(), b.rootTriples())
                && java.util.Arrays.equals(a.stepQuintuples(), b.stepQuintuples()) && a.accesses() == b.accesses()
                && a.toString().equals(b.toString());
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            // a rescan in progress reads /proc: let it finish before saying we are closed
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        hasher.close();
    }
}
