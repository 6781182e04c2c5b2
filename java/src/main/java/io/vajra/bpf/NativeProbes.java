package io.vajra.bpf;

import java.nio.ByteBuffer;

/**
 * The JNI entry points of libvajra.so (native/vajra_jni.c registers them in JNI_OnLoad).
 * Use {@link ProbeSession}; this class only declares the natives and loads the library.
 *
 * <p>Threading: {@code open}/{@code close} from one owner, {@code poll} from one polling
 * thread, {@code counters} from any thread; never {@code close} while a poll runs.
 */
final class NativeProbes {
    static {
        NativeLibrary.load();
    }

    private NativeProbes() {}

    /** sizeof/offsetof of the batch layout, in {@link ProcessRecordLayout#FACTS} order. */
    static native int[] layoutFacts();

    /** The smallest batch buffer that can hold the largest record. */
    static native int batchRecordMax();

    /** Checks the environment, loads and attaches the probes, runs the snapshot. */
    static native long open(int ringBytes, int argvCap, boolean failedExecs, boolean containers, boolean sockets,
            boolean files);

    /** Fills {@code batch} (direct) with one batch; returns the bytes used, header included. */
    static native int poll(long handle, ByteBuffer batch, int timeoutMillis);

    static native long[] counters(long handle);

    /**
     * Replaces what FIM watches: roots as (ino, dev, flags) triples, steps as (dir ino, dir dev,
     * name hash, child ino, child dev) quintuples. Loads the file probes on the first call with
     * a root; attaches them while there is one.
     */
    static native void watchFiles(long handle, long[] roots, long[] steps, boolean accesses);

    /** Replaces the watched log directories: (ino, dev) pairs; loads the log probes on first use. */
    static native void watchLogs(long handle, long[] dirs);

    static native void close(long handle);
}
