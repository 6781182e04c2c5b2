package io.vajra.osquery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each named reader of each event table stopped: the exactly-once half of the
 * {@code vajra_reader} contract (see docs/osquery.md).
 *
 * <p>A reader's cursor is the highest eid it has been offered. {@link #claim} hands out the
 * eids above it up to the store's newest and moves the cursor there in one step, so two
 * concurrent calls of one reader get disjoint ranges and no event is offered twice.
 *
 * <p>Memory is bounded: past {@code capacity} readers the least recently used cursor is
 * dropped (and reported), and that reader starts again from the oldest event held.
 * In memory only: a restart of the extension forgets every cursor.
 *
 * <p>Thread-safe.
 */
public final class ReaderCursors {
    public static final int DEFAULT_CAPACITY = 1024;

    /**
     * The eids one call of a reader gets: {@code afterEid < eid <= throughEid}.
     *
     * @param known false when the reader had no cursor (first call, or forgotten)
     */
    public record Claim(long afterEid, long throughEid, boolean known) {
        public boolean isEmpty() {
            return throughEid <= afterEid;
        }
    }

    /** Told when a cursor is dropped to stay within capacity. */
    @FunctionalInterface
    public interface ForgetListener {
        void forgotten(String table, String reader);
    }

    private record Key(String table, String reader) {}

    private final int capacity;
    private final ForgetListener forgetListener;
    private final LinkedHashMap<Key, Long> cursors = new LinkedHashMap<>(64, 0.75f, true); // access order: LRU

    public ReaderCursors(int capacity, ForgetListener forgetListener) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
        }
        this.capacity = capacity;
        this.forgetListener = forgetListener;
    }

    /**
     * Claims the events of {@code table} a reader has not been offered, up to
     * {@code newestEid} (the store's newest when the call began), and advances the cursor.
     */
    public Claim claim(String table, String reader, long newestEid) {
        Key key = new Key(table, reader);
        Claim claim;
        List<Key> dropped = new ArrayList<>();
        synchronized (this) {
            Long cursor = cursors.get(key);
            long after = cursor == null ? 0 : cursor;
            long through = Math.max(after, newestEid); // eids only grow; never move back
            cursors.put(key, through);
            claim = new Claim(after, through, cursor != null);
            while (cursors.size() > capacity) {
                Map.Entry<Key, Long> eldest = cursors.entrySet().iterator().next();
                dropped.add(eldest.getKey());
                cursors.remove(eldest.getKey());
            }
        }
        for (Key k : dropped) { // outside the lock: the listener logs
            forgetListener.forgotten(k.table(), k.reader());
        }
        return claim;
    }

    /**
     * Undoes a claim whose events could not be delivered, if no later claim of the reader
     * has moved the cursor since (then the events stay claimed: offering them again could
     * duplicate what the later call delivered).
     */
    public synchronized void giveBack(String table, String reader, Claim claim) {
        Key key = new Key(table, reader);
        Long cursor = cursors.get(key);
        if (cursor != null && cursor == claim.throughEid()) {
            if (claim.known()) {
                cursors.put(key, claim.afterEid());
            } else {
                cursors.remove(key);
            }
        }
    }

    /** The reader's cursor, or -1 when it has none; for diagnostics and tests. */
    public synchronized long cursor(String table, String reader) {
        Long cursor = cursors.get(new Key(table, reader));
        return cursor == null ? -1 : cursor;
    }

    public synchronized int size() {
        return cursors.size();
    }
}
