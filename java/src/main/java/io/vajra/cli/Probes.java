package io.vajra.cli;

import io.vajra.container.ContainerNames;
import io.vajra.container.ContainerRegistry;

import io.vajra.bpf.ProbeCounters;
import io.vajra.bpf.ProbeException;
import io.vajra.bpf.ProbeSettings;
import io.vajra.event.Collector;
import io.vajra.event.EventStore;
import io.vajra.event.FileEventSink;
import io.vajra.event.WriteEventSink;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;

/**
 * The running collector as the CLI needs it. An interface so the CLI can be tested without
 * a kernel; {@link #KERNEL} is the real thing.
 */
interface Probes extends AutoCloseable {
    ProbeCounters counters();

    int ringBytes();

    int knownProcesses();

    long bootToUnixNanos();

    /** Cgroup names cached for attribution; 0 when collection is off. */
    default int cgroupNamesKnown() {
        return 0;
    }

    /** Containers seen so far; none when collection is off. */
    default ContainerRegistry containers() {
        return new ContainerRegistry(1, ContainerNames.system());
    }

    /** Replaces what the kernel's FIM filter watches; nothing when collection is off. */
    default void watchFiles(long[] roots, long[] steps, boolean accesses) {}

    /** Replaces the watched log directories; refused when collection is off. */
    default void watchLogs(long[] dirs) {
        throw new IllegalStateException("not collecting");
    }

    /** Where log writes go. */
    default void onWrites(WriteEventSink sink) {}

    @Override
    void close();

    /** Starts collection into the stores; returns once the probes are attached. */
    @FunctionalInterface
    interface Launcher {
        /**
         * @param processes where process events go
         * @param sockets   where socket events go
         * @throws io.vajra.bpf.ProbeException when the kernel refuses
         */
        Probes start(ProbeSettings settings, EventStore<ProcessEvent> processes, EventStore<SocketEvent> sockets);

        /** As above, with file records handed to {@code files}; without a kernel they never come. */
        default Probes start(ProbeSettings settings, EventStore<ProcessEvent> processes,
                EventStore<SocketEvent> sockets, FileEventSink files) {
            return start(settings, processes, sockets);
        }
    }

    Launcher KERNEL = new Launcher() {
        @Override
        public Probes start(ProbeSettings settings, EventStore<ProcessEvent> processes,
                EventStore<SocketEvent> sockets) {
            return start(settings, processes, sockets, FileEventSink.NONE);
        }

        @Override
        public Probes start(ProbeSettings settings, EventStore<ProcessEvent> processes,
                EventStore<SocketEvent> sockets, FileEventSink files) {
            return kernelProbes(startCollector(settings, processes, sockets, files));
        }
    };

    private static Probes kernelProbes(Collector collector) {
        return new Probes() {
            @Override
            public ProbeCounters counters() {
                return collector.counters();
            }

            @Override
            public int ringBytes() {
                return collector.ringBytes();
            }

            @Override
            public int knownProcesses() {
                return collector.knownProcesses();
            }

            @Override
            public long bootToUnixNanos() {
                return collector.bootToUnixNanos();
            }

            @Override
            public ContainerRegistry containers() {
                return collector.containers();
            }

            @Override
            public int cgroupNamesKnown() {
                return collector.cgroupNamesKnown();
            }

            @Override
            public void watchFiles(long[] roots, long[] steps, boolean accesses) {
                collector.watchFiles(roots, steps, accesses);
            }

            @Override
            public void watchLogs(long[] dirs) {
                collector.watchLogs(dirs);
            }

            @Override
            public void onWrites(WriteEventSink sink) {
                collector.onWrites(sink);
            }

            @Override
            public void close() {
                collector.close();
            }
        };
    }

    /**
     * The native library is loaded by a static initializer, so its ProbeException can arrive
     * wrapped in an ExceptionInInitializerError; users should see the message, not a trace.
     */
    private static Collector startCollector(ProbeSettings settings, EventStore<ProcessEvent> processes,
            EventStore<SocketEvent> sockets, FileEventSink files) {
        try {
            return Collector.start(settings, processes, sockets, files);
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof ProbeException) {
                throw (ProbeException) e.getCause();
            }
            throw new ProbeException("cannot initialize the probes: " + e.getCause(), e);
        } catch (UnsatisfiedLinkError e) {
            throw new ProbeException("cannot load the native library: " + e.getMessage(), e);
        }
    }
}
