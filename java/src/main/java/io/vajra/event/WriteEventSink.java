package io.vajra.event;

/** Where the collector hands log writes, on its own thread, in ring order. */
@FunctionalInterface
public interface WriteEventSink {
    WriteEventSink NONE = (e, path, argv) -> { };

    /**
     * @param processPath the writer's binary from the collector's cache (empty if unknown)
     * @param processArgv its arguments, NUL separated (empty if unknown)
     */
    void accept(WriteEvent e, byte[] processPath, byte[] processArgv);
}
