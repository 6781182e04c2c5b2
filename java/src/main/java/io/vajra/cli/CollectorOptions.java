package io.vajra.cli;

import io.vajra.bpf.ProbeSettings;
import io.vajra.event.StoreSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every subcommand that collects shares (a picocli mixin). */
final class CollectorOptions {
    @Option(names = "--ring-size", paramLabel = "BYTES", defaultValue = "16M", converter = ByteSize.class,
            description = "Ring buffer size, a power of two, split evenly among the CPUs' rings, at least 1 MiB each (default: ${DEFAULT-VALUE}).")
    long ringBytes;

    @Option(names = "--argv-cap", paramLabel = "BYTES", defaultValue = "32K", converter = ByteSize.class,
            description = "Bytes of arguments kept per exec, 256 to 128K (default: ${DEFAULT-VALUE}).")
    long argvCap;

    @Option(names = "--no-failed-execs",
            description = "Do not report failed execs (saves ~12 ns on every syscall of the machine).")
    boolean noFailedExecs;

    @Option(names = "--no-containers",
            description = "Do not send cgroup names: no container columns (saves a map lookup per event).")
    boolean noContainers;

    @Option(names = "--no-sockets",
            description = "Do not load the socket probes: bpf_socket_events stays empty, and with "
                    + "--no-failed-execs no syscall tracepoint slows the machine's syscalls.")
    boolean noSockets;

    @Option(names = "--events-max", paramLabel = "ROWS", defaultValue = "50000",
            description = "Most events kept per table (default: ${DEFAULT-VALUE}).")
    int eventsMax;

    @Option(names = "--events-expiry", paramLabel = "DURATION", defaultValue = "3600", converter = DurationText.class,
            description = "How long events are kept, seconds or 30m/1h (default: ${DEFAULT-VALUE} s).")
    Duration eventsExpiry;

    @Option(names = "--store-bytes", paramLabel = "BYTES", defaultValue = "64M", converter = ByteSize.class,
            description = "Most memory the events of one table may hold (default: ${DEFAULT-VALUE}).")
    long storeBytes;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration in osquery's JSON format: file_paths, exclude_paths and file_accesses "
                    + "for FIM, and the vajra section; re-read every 10 s (standalone only: the extension "
                    + "follows osquery's configuration).")
    java.nio.file.Path config;

    @Option(names = "--hash-max-bytes", paramLabel = "BYTES", defaultValue = "64M", converter = ByteSize.class,
            description = "FIM: files larger than this are not hashed; 0 turns hashing off (default: ${DEFAULT-VALUE}).")
    long hashMaxBytes;

    /** @throws IllegalArgumentException with a message for the user */
    ProbeSettings probeSettings() {
        return new ProbeSettings(toInt("ring size", ringBytes), toInt("argv cap", argvCap), !noFailedExecs,
                !noContainers, !noSockets, false);
    }

    /** @throws IllegalArgumentException with a message for the user */
    StoreSettings storeSettings() {
        return new StoreSettings(eventsMax, storeBytes, eventsExpiry.toSeconds());
    }

    private static int toInt(String what, long value) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " " + value + " is too large");
        }
        return (int) value;
    }
}
