package io.vajra.bpf;

/**
 * What the loader configures before the programs are loaded.
 *
 * @param ringBytes   the ring buffers' size together, a power of two of at least one page: each CPU
 *                    has a ring of the largest power of two within an even share, or within 1 MiB
 *                    (ringBytes if smaller) when the share is less
 * @param argvCap     bytes of argv kept per exec (256 B .. 128 KiB)
 * @param failedExecs attach the execve/execveat syscall tracepoints to report failed
 *                    execs; they slow every syscall on the machine a little (~12 ns)
 * @param containers  send cgroup names so events are attributed to containers
 * @param sockets     load the socket programs (syscall tracepoints on socket calls and
 *                    on every close); off, bpf_socket_events stays empty
 * @param files       FIM is configured from the start: load the file programs with the
 *                    others, on a thread of their own (they are attached only once
 *                    something is watched); off, they load when something first is
 */
public record ProbeSettings(int ringBytes, int argvCap, boolean failedExecs, boolean containers, boolean sockets,
        boolean files) {
    public static final int DEFAULT_RING_BYTES = 16 << 20;
    public static final int DEFAULT_ARGV_CAP = 32 * 1024;
    public static final int MAX_ARGV_CAP = 128 * 1024;
    public static final int MIN_ARGV_CAP = 256;

    public ProbeSettings {
        if (ringBytes < 4096 || Integer.bitCount(ringBytes) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 4096 bytes, not " + ringBytes);
        }
        if (argvCap < MIN_ARGV_CAP || argvCap > MAX_ARGV_CAP) {
            throw new IllegalArgumentException("argv cap must be between " + MIN_ARGV_CAP + " and "
                    + MAX_ARGV_CAP + " bytes, not " + argvCap);
        }
    }

    /** With container attribution on. */
    public ProbeSettings(int ringBytes, int argvCap, boolean failedExecs) {
        this(ringBytes, argvCap, failedExecs, true, true, false);
    }

    /** With socket events on. */
    public ProbeSettings(int ringBytes, int argvCap, boolean failedExecs, boolean containers) {
        this(ringBytes, argvCap, failedExecs, containers, true, false);
    }

    public static ProbeSettings defaults() {
        return new ProbeSettings(DEFAULT_RING_BYTES, DEFAULT_ARGV_CAP, true, true, true, false);
    }

    /** The same, with the file programs loaded at start or not. */
    public ProbeSettings withFiles(boolean value) {
        return new ProbeSettings(ringBytes, argvCap, failedExecs, containers, sockets, value);
    }
}
