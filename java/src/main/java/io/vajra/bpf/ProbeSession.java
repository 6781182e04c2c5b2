package io.vajra.bpf;

import java.nio.ByteBuffer;

/**
 * The loaded probes and their ring buffers (one per CPU). Polling fills a caller-owned
 * direct buffer with one batch (see {@link ProcessRecordLayout}); read it with
 * {@link BatchReader}.
 *
 * <p>Threading: one thread polls; {@link #counters()} may be called from any thread;
 * {@link #close()} must not overlap a poll.
 */
public final class ProbeSession implements AutoCloseable {
    private final ProbeSettings settings;
    private long handle;

    private ProbeSession(ProbeSettings settings, long handle) {
        this.settings = settings;
        this.handle = handle;
    }

    /** Loads, attaches and snapshots; throws {@link ProbeException} with the reason. */
    public static ProbeSession open(ProbeSettings settings) {
        NativeLibrary.load(); // a ProbeException here, not an ExceptionInInitializerError later
        long handle = NativeProbes.open(settings.ringBytes(), settings.argvCap(), settings.failedExecs(),
                settings.containers(), settings.sockets(), settings.files());
        return new ProbeSession(settings, handle);
    }

    /** A direct buffer big enough for batches of many records. */
    public static ByteBuffer allocateBatch(int bytes) {
        NativeLibrary.load();
        int minimum = NativeProbes.batchRecordMax();
        return ByteBuffer.allocateDirect(Math.max(bytes, minimum)).order(java.nio.ByteOrder.nativeOrder());
    }

    /**
     * Fills {@code batch} with what is pending, waiting up to {@code timeoutMillis} when
     * nothing is. Sets the buffer's position to 0 and its limit to the bytes used.
     */
    public void poll(ByteBuffer batch, int timeoutMillis) {
        int used = NativeProbes.poll(liveHandle(), batch, timeoutMillis);
        batch.clear().limit(used);
    }

    /**
     * Replaces what the kernel's FIM filter watches, without a gap (see
     * {@link io.vajra.bpf.FileRecordLayout} for the flags). The file probes are loaded on the
     * first call with a root and stay attached while there is one.
     *
     * @param roots (ino, dev, flags) per watch root, dev in the kernel's encoding
     * @param steps (dir ino, dir dev, name hash, child ino, child dev) per step toward a root
     * @throws ProbeException when the kernel refuses
     */
    public synchronized void watchFiles(long[] roots, long[] steps, boolean accesses) {
        if (roots.length % 3 != 0 || steps.length % 5 != 0) {
            throw new IllegalArgumentException("roots come in triples, steps in quintuples");
        }
        NativeProbes.watchFiles(liveHandle(), roots, steps, accesses);
    }

    /**
     * Replaces the directories whose files' writes the kernel reports (log sources): (ino,
     * dev) pairs, dev in the kernel's encoding. The write probes are loaded on the first call
     * with a directory and stay attached while there is one.
     *
     * @throws ProbeException when the kernel refuses
     */
    public synchronized void watchLogs(long[] dirs) {
        if (dirs.length % 2 != 0) {
            throw new IllegalArgumentException("directories come in (ino, dev) pairs");
        }
        NativeProbes.watchLogs(liveHandle(), dirs);
    }

    public ProbeCounters counters() {
        return new ProbeCounters(NativeProbes.counters(liveHandle()));
    }

    public ProbeSettings settings() {
        return settings;
    }

    /** Detaches every program and frees maps, links and the rings. */
    @Override
    public synchronized void close() {
        if (handle != 0) {
            NativeProbes.close(handle);
            handle = 0;
        }
    }

    private long liveHandle() {
        long h = handle;
        if (h == 0) {
            throw new IllegalStateException("probe session is closed");
        }
        return h;
    }

    /** sizeof/offsetof values native was compiled with (for the layout test). */
    static int[] nativeLayoutFacts() {
        return NativeProbes.layoutFacts();
    }
}
