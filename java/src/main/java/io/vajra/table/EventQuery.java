package io.vajra.table;

import io.vajra.event.Event;
import io.vajra.event.EventRange;
import io.vajra.event.EventSlice;
import io.vajra.event.EventStore;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * What one query asks of an event table's {@code eid}, {@code time} and {@code pid} columns,
 * shared by the event tables so they push down alike: the eid and time bounds become the
 * store's scan range, and each event is tested against all three (an {@code IN} list as a
 * set) before any of its row is formatted, which happens only when the row is read.
 */
final class EventQuery {
    static final String TIME = "time";
    static final String PID = "pid";

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final LongFilter eids;
    private final LongFilter seconds;
    private final LongFilter pids;
    private final LongBounds nanos;

    private EventQuery(LongFilter eids, LongFilter seconds, LongFilter pids) {
        this.eids = eids;
        this.seconds = seconds;
        this.pids = pids;
        this.nanos = secondsToNanos(seconds.bounds());
    }

    static EventQuery of(QueryConstraints constraints) {
        return new EventQuery(constraints.filter(EventTable.EID), constraints.filter(TIME), constraints.filter(PID));
    }

    /** True when no event can match: the table need not even read its store. */
    boolean isEmpty() {
        return eids.isEmpty() || nanos.isEmpty() || pids.isEmpty();
    }

    /** The store range to scan. */
    EventRange range() {
        return new EventRange(eids.bounds().min(), eids.bounds().max(), nanos.min(), nanos.max());
    }

    /** Whether an event may be in the result (the SQL engine re-checks every constraint). */
    boolean test(long eid, int pid, long unixNanos) {
        return eids.test(eid) && pids.test(Integer.toUnsignedLong(pid))
                && seconds.test(Math.floorDiv(unixNanos, NANOS_PER_SECOND));
    }

    /** Makes one row of an event; {@code eid} is the store's. */
    @FunctionalInterface
    interface RowMaker<E> {
        Object[] row(long eid, E event);
    }

    /**
     * Reads the store's range and keeps the events {@code wanted} and {@link #test} accept; their
     * rows are made by {@code maker} only when read. The events are held by reference (the
     * store's slice), so the store's lock is not held while rows are formatted.
     */
    <E extends Event> SelectedRows select(EventStore<E> store, Predicate<E> wanted, ToIntFunction<E> pidOf,
            RowMaker<E> maker) {
        if (isEmpty()) {
            return SelectedRows.of(List.of());
        }
        EventSlice<E> slice = store.read(range());
        int[] kept = new int[slice.size()];
        int count = 0;
        for (int i = 0; i < slice.size(); i++) {
            E event = slice.event(i);
            // Cheaper to drop here than to format a row SQLite would drop.
            if (wanted.test(event) && test(slice.eid(i), pidOf.applyAsInt(event), event.unixNanos())) {
                kept[count++] = i;
            }
        }
        int size = count;
        return new SelectedRows() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Object[] row(int index) {
                Objects.checkIndex(index, size);
                int at = kept[index];
                return maker.row(slice.eid(at), slice.event(at));
            }
        };
    }

    /** The {@code time} column: UNIX seconds, rounded down. */
    static long seconds(long unixNanos) {
        return Math.floorDiv(unixNanos, NANOS_PER_SECOND);
    }

    /** time = floor(unixNanos / 1e9), so second bounds widen to whole seconds of nanos. */
    static LongBounds secondsToNanos(LongBounds seconds) {
        if (seconds.isEmpty()) {
            return seconds;
        }
        long min = seconds.min() == Long.MIN_VALUE ? Long.MIN_VALUE : saturatedNanos(seconds.min());
        long max = Long.MAX_VALUE;
        if (seconds.max() != Long.MAX_VALUE) {
            long start = saturatedNanos(seconds.max());
            max = start > Long.MAX_VALUE - (NANOS_PER_SECOND - 1) ? Long.MAX_VALUE : start + NANOS_PER_SECOND - 1;
        }
        return new LongBounds(min, max);
    }

    private static long saturatedNanos(long seconds) {
        if (seconds > Long.MAX_VALUE / NANOS_PER_SECOND) {
            return Long.MAX_VALUE;
        }
        if (seconds < Long.MIN_VALUE / NANOS_PER_SECOND) {
            return Long.MIN_VALUE;
        }
        return seconds * NANOS_PER_SECOND;
    }
}
