package io.vajra.event;

import io.vajra.bpf.SocketRecordLayout;

/**
 * A socket record, as much of it as {@link SocketLives} needs to complete it into a row.
 * The batch decoder hands the collector a view of each record in place, so that the row is
 * built once, already complete: building a decoded row and then its completed copy was
 * ~180 bytes more per row for the young collections (five rows per TCP connection). A
 * {@link SocketEvent} is a record too, for rows built elsewhere.
 */
public interface SocketRecord {
    int op();

    long kernelNanos();

    long sockId();

    int pid();

    int ret();

    int localPort();

    /**
     * The row, with the binary and arguments of the process that made it and, for a close,
     * what its socket's earlier rows told: its lifetime ({@code lifetime} >= 0 when its
     * birth was seen, else -1, which keeps the record's) and its local port.
     */
    SocketEvent completed(byte[] path, byte[] argv, long lifetime, int port);

    /** A completed row's lifetime: the one given when known, else the record's own. */
    static long completedLifetime(long given, long recorded) {
        return given >= 0 ? given : recorded;
    }

    /** A completed row's flags: the record's, with FLAG_HAS_LIFETIME when a lifetime was given. */
    static int completedFlags(long given, int recorded) {
        return given >= 0 ? recorded | SocketRecordLayout.FLAG_HAS_LIFETIME : recorded;
    }
}
