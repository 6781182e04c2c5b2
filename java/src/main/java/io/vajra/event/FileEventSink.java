package io.vajra.event;

/** Where the collector hands file records, on its own thread, in ring order. */
public interface FileEventSink {
    FileEventSink NONE = (e, path, argv) -> { };

    /**
     * @param processPath the process's binary from the collector's cache (empty if unknown)
     * @param processArgv its arguments, NUL separated (empty if unknown)
     */
    void accept(FileEvent e, byte[] processPath, byte[] processArgv);

    /** After each batch: publish what was gathered. */
    default void flush() {}
}
