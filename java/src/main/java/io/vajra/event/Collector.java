package io.vajra.event;

import io.vajra.bpf.BatchReader;
import io.vajra.bpf.ProbeCounters;
import io.vajra.bpf.ProbeSession;
import io.vajra.bpf.ProbeSettings;
import io.vajra.bpf.ProcessRecordLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns the probes and the polling thread: batches from the kernel are decoded,
 * completed from the process cache and appended to the store.
 *
 * <p>Threading: {@link #start} and {@link #close} from the owner; the "vajra-collector"
 * thread polls; {@link #counters()} and {@link #knownProcesses()} from any thread.
 */
public final class Collector implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Collector.class.getName());
    /** The ring is drained at least this often; producers also wake us at 1/4 full. */
    static final int POLL_TIMEOUT_MILLIS = 20;
    static final int BATCH_BYTES = 4 << 20;

    private final ProbeSession session;
    private final EventStore<ProcessEvent> processes;
    private final ProcessCache cache = new ProcessCache(ProcessCache.DEFAULT_CAPACITY);
    private final ByteBuffer batch;
    private final List<ProcessEvent> pending = new ArrayList<>();
    private final Thread poller;
    private final AtomicLong pollFailures = new AtomicLong();
    private volatile int knownProcesses;
    private volatile boolean running = true;

    private Collector(ProbeSession session, EventStore<ProcessEvent> processes) {
        this.session = session;
        this.processes = processes;
        this.batch = ProbeSession.allocateBatch(BATCH_BYTES);
        this.poller = new Thread(this::pollUntilClosed, "vajra-collector");
        this.poller.setDaemon(true);
    }

    /**
     * Loads and attaches the probes, ingests the start-up snapshot, and starts polling.
     * Returns once the probes are attached and the snapshot is known.
     *
     * @throws io.vajra.bpf.ProbeException with an actionable message when the kernel refuses
     */
    public static Collector start(ProbeSettings settings, EventStore<ProcessEvent> processes) {
        ProbeSession session = ProbeSession.open(settings);
        Collector collector = new Collector(session, processes);
        collector.ingestSnapshot();
        collector.poller.start();
        return collector;
    }

    /** Kernel and native counters, read now. */
    public ProbeCounters counters() {
        return session.counters();
    }

    /** Ring buffer size in bytes. */
    public int ringBytes() {
        return session.settings().ringBytes();
    }

    /** Processes the collector currently knows (snapshot + exec/fork - exit). */
    public int knownProcesses() {
        return knownProcesses;
    }

    /** Batches that failed to poll or decode (logged; collection went on). */
    public long pollFailures() {
        return pollFailures.get();
    }

    /** Stops polling, then detaches every program and frees the kernel objects. */
    @Override
    public void close() {
        running = false;
        try {
            poller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        session.close();
    }

    /** The snapshot comes first out of the session; poll until a batch holds none of it. */
    private void ingestSnapshot() {
        boolean more = true;
        while (more) {
            session.poll(batch, 0);
            int[] snapshotRecords = {0};
            BatchReader.read(batch, e -> {
                if (e.op() == ProcessRecordLayout.OP_SNAPSHOT) {
                    snapshotRecords[0]++;
                    cache.observe(withProcCmdline(e));
                } else {
                    pending.add(cache.observe(e));
                }
            });
            more = snapshotRecords[0] > 0;
        }
        flush();
    }

    private void pollUntilClosed() {
        while (running) {
            try {
                session.poll(batch, POLL_TIMEOUT_MILLIS);
                BatchReader.read(batch, e -> pending.add(cache.observe(e)));
                flush();
            } catch (RuntimeException e) {
                // A bad batch must not stop collection: count it, say it once in a while.
                pending.clear();
                if (pollFailures.getAndIncrement() % 1000 == 0) {
                    LOG.log(Level.WARNING, "vajra: a batch failed and was skipped", e);
                }
            }
        }
    }

    private void flush() {
        if (!pending.isEmpty()) {
            processes.appendAll(pending);
            pending.clear();
        }
        knownProcesses = cache.size();
    }

    /** Processes that predate Vajra: their arguments come from /proc, once, at start. */
    private static ProcessEvent withProcCmdline(ProcessEvent e) {
        try {
            byte[] argv = Files.readAllBytes(Path.of("/proc", Integer.toString(e.pid()), "cmdline"));
            int argc = 0;
            for (byte b : argv) {
                if (b == 0) {
                    argc++;
                }
            }
            return e.withArgv(argv, argc);
        } catch (IOException | SecurityException gone) {
            return e; // exited meanwhile, or a kernel thread: no arguments
        }
    }
}
