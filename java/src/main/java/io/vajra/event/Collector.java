package io.vajra.event;

import io.vajra.bpf.BatchReader;
import io.vajra.bpf.ProbeCounters;
import io.vajra.bpf.ProbeSession;
import io.vajra.bpf.ProbeSettings;
import io.vajra.bpf.ProcessRecordLayout;
import io.vajra.container.CgroupNames;
import io.vajra.container.ContainerNames;
import io.vajra.container.ContainerRegistry;
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
    /** The wait after a batch of at least FLOWING_BYTES: records are flowing fast. */
    static final int POLL_TIMEOUT_MILLIS = 20;
    /** After lighter batches, and empty ones, the wait doubles up to this. A wake-up of this
     *  thread costs ~0.13 ms of CPU on a VM (bench/idle-cost.sh: 1.4 ms/s at ten a second):
     *  polling every 20 ms while a few thousand records a second trickle in was most of
     *  the collector's cost on W2. The ring cannot overflow meanwhile: producers wake us
     *  once a quarter of it is pending (the kernel side's wake-up threshold). Records wait
     *  at most this long (less when they pile up); osquery reads event tables seconds apart. */
    static final int IDLE_POLL_TIMEOUT_MILLIS = 250;
    /** Small enough that a batch is still in the cache when it is decoded, right after the
     *  native side copied it in: 512 KiB drained W1's records 1.8-2.0 M/s against 1.3-2.1 M/s
     *  with 4 MiB (bench/drain-ceiling.sh), and decoded a W3 storm with ~8 % less collector
     *  CPU. It holds three records of the largest size. */
    static final int BATCH_BYTES = 512 << 10;
    /** 256 KiB in one poll: ~12 MB/s at 20 ms polls (a W1 storm sends ~140 MB/s, W2's
     *  execs ~4 MB/s). Waiting longer at that rate lets a quarter of a ring pile up,
     *  and the producers then pay for waking us. */
    static final int FLOWING_BYTES = 256 << 10;

    private final ProbeSession session;
    private final EventStore<ProcessEvent> processes;
    private final EventStore<SocketEvent> sockets;
    private final FileEventSink files;
    private volatile WriteEventSink writes = WriteEventSink.NONE;
    private final List<SocketEvent> pendingSockets = new ArrayList<>();
    private final SocketLives socketLives = new SocketLives();
    private final ProcessCache cache = new ProcessCache(ProcessCache.DEFAULT_CAPACITY);
    private final CgroupNames cgroups = new CgroupNames(CgroupNames.DEFAULT_CAPACITY);
    private final ContainerRegistry containers =
            new ContainerRegistry(ContainerRegistry.DEFAULT_CAPACITY, ContainerNames.system());
    private final ByteBuffer batch;
    private final List<ProcessEvent> pending = new ArrayList<>();
    private final Thread poller;
    private final AtomicLong pollFailures = new AtomicLong();
    private volatile int knownProcesses;
    private volatile int cgroupNamesKnown;
    private volatile long bootToUnixNanos;
    private long snapshotRecords;
    private ProcessEvent lastProcessEvent;
    private volatile boolean running = true;

    private Collector(ProbeSession session, EventStore<ProcessEvent> processes, EventStore<SocketEvent> sockets,
            FileEventSink files) {
        this.session = session;
        this.processes = processes;
        this.sockets = sockets;
        this.files = files;
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
        return start(settings, processes, new EventStore<>(StoreSettings.defaults()));
    }

    /** As above, with socket events kept in {@code sockets}. */
    public static Collector start(ProbeSettings settings, EventStore<ProcessEvent> processes,
            EventStore<SocketEvent> sockets) {
        return start(settings, processes, sockets, FileEventSink.NONE);
    }

    /** As above, with file records handed to {@code files} (see {@link #watchFiles}). */
    public static Collector start(ProbeSettings settings, EventStore<ProcessEvent> processes,
            EventStore<SocketEvent> sockets, FileEventSink files) {
        ProbeSession session = ProbeSession.open(settings);
        Collector collector = new Collector(session, processes, sockets, files);
        collector.ingestSnapshot();
        collector.poller.start();
        return collector;
    }

    /**
     * Replaces what the kernel's FIM filter watches (see {@link ProbeSession#watchFiles}); the
     * file probes are loaded on the first call with a root. Any thread.
     */
    public void watchFiles(long[] roots, long[] steps, boolean accesses) {
        session.watchFiles(roots, steps, accesses);
    }

    /** Where log writes go from now on (the log tailer's ledger). */
    public void onWrites(WriteEventSink sink) {
        writes = sink;
    }

    /** Replaces the watched log directories (see {@link ProbeSession#watchLogs}). Any thread. */
    public void watchLogs(long[] dirs) {
        session.watchLogs(dirs);
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

    /**
     * UNIX time minus boot time, in nanoseconds, as the decoder last applied it: turns
     * the kernel's boot-time stamps (process start times) into UNIX time.
     */
    public long bootToUnixNanos() {
        return bootToUnixNanos;
    }

    /** Cgroup names cached for attribution. */
    public int cgroupNamesKnown() {
        return cgroupNamesKnown;
    }

    /** The containers events came from so far (for vajra_containers). */
    public ContainerRegistry containers() {
        return containers;
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
        long before;
        do {
            before = snapshotRecords;
            session.poll(batch, 0);
            BatchReader.read(batch, sink, cgroups);
            flush();
        } while (snapshotRecords > before);
    }

    private void pollUntilClosed() {
        int timeout = POLL_TIMEOUT_MILLIS;
        while (running) {
            try {
                session.poll(batch, timeout);
                boolean flowing = batch.limit() >= FLOWING_BYTES;
                BatchReader.read(batch, sink, cgroups);
                timeout = flowing ? POLL_TIMEOUT_MILLIS : Math.min(2 * timeout, IDLE_POLL_TIMEOUT_MILLIS);
                flush();
            } catch (RuntimeException e) {
                // A bad batch must not stop collection: count it, say it once in a while.
                pending.clear();
                pendingSockets.clear();
                if (pollFailures.getAndIncrement() % 1000 == 0) {
                    LOG.log(Level.WARNING, "vajra: a batch failed and was skipped", e);
                }
            }
        }
    }

    private final BatchReader.Sink sink = new BatchReader.Sink() {
        @Override
        public void process(ProcessEvent e) {
            ingest(e);
        }

        @Override
        public void cgroup(io.vajra.bpf.CgroupName name) {
            cgroups.learn(name);
        }

        @Override
        public void socket(SocketRecord e) {
            ingestSocket(e);
        }

        @Override
        public void write(WriteEvent e) {
            writes.accept(e, cache.pathOf(e.pid()), cache.argvOf(e.pid()));
        }

        @Override
        public void file(FileEvent e) {
            containers.saw(e.cgroup(), e.unixNanos());
            files.accept(e, cache.pathOf(e.pid()), cache.argvOf(e.pid()));
        }
    };

    /** A socket record, completed with the process's binary and arguments into its row. */
    private void ingestSocket(SocketRecord r) {
        SocketEvent e = socketLives.complete(r, cache.pathOf(r.pid()), cache.argvOf(r.pid()));
        containers.saw(e.cgroup(), e.unixNanos());
        pendingSockets.add(e);
    }

    /** Snapshot records only teach the cache; everything else becomes a row. */
    private void ingest(ProcessEvent e) {
        lastProcessEvent = e;
        if (e.op() == ProcessRecordLayout.OP_SNAPSHOT) {
            snapshotRecords++;
            cache.observe(withProcCmdline(e));
        } else {
            containers.saw(e.cgroup(), e.unixNanos());
            pending.add(cache.observe(e));
        }
    }

    private void flush() {
        if (!pending.isEmpty()) {
            processes.appendAll(pending);
            pending.clear();
        }
        if (!pendingSockets.isEmpty()) {
            sockets.appendAll(pendingSockets);
            pendingSockets.clear();
        }
        files.flush();
        // Once per batch, not per event: the readers only need a recent value.
        if (lastProcessEvent != null) {
            bootToUnixNanos = lastProcessEvent.unixNanos() - lastProcessEvent.kernelNanos();
            lastProcessEvent = null;
        }
        knownProcesses = cache.size();
        cgroupNamesKnown = cgroups.size();
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
            return e.withImage(e.path(), argv, argc);
        } catch (IOException | SecurityException gone) {
            return e; // exited meanwhile, or a kernel thread: no arguments
        }
    }
}
