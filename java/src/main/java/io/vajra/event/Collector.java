package io.vajra.event;

import io.vajra.bpf.ProbeCounters;
import io.vajra.bpf.ProbeSettings;

/**
 * Owns the probes and the polling thread: batches from the kernel are decoded,
 * enriched from the process cache and appended to the store.
 * (Being written: see the foundation issue.)
 */
public final class Collector implements AutoCloseable {

    private Collector() {}

    /**
     * Loads and attaches the probes, ingests the start-up snapshot, and starts polling.
     * Returns once the probes are attached.
     *
     * @throws io.vajra.bpf.ProbeException with an actionable message when the kernel refuses
     */
    public static Collector start(ProbeSettings settings, EventStore<ProcessEvent> processes) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Kernel and native counters, read now. */
    public ProbeCounters counters() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Ring buffer size in bytes. */
    public int ringBytes() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Processes the collector currently knows (snapshot + exec/fork - exit). */
    public int knownProcesses() {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
