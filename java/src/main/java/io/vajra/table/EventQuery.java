package io.vajra.table;

import io.vajra.event.Event;
import io.vajra.event.EventRange;
import io.vajra.event.EventSlice;
import io.vajra.event.EventStore;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * What one query asks of an event table's {@code eid}, {@code time} and {@code pid} columns,
 * shared by the event tables so they push down alike: the eid and time bounds become the
 * store's scan range, and each event is tested against all three (an {@code IN} list as a
 * set) before any of its row is formatted.
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
     * Reads the store's range, keeps the events {@code wanted} and {@link #test} accept (before
     * any formatting), and hands their rows to {@code sink} until it says stop.
     */
    <E extends Event> void scan(EventStore<E> store, Predicate<E> wanted, ToIntFunction<E> pidOf,
            RowMaker<E> maker, RowSink sink) {
        if (isEmpty()) {
            return;
        }
        EventSlice<E> slice = store.read(range());
        for (int i = 0; i < slice.size(); i++) {
            E event = slice.event(i);
            long eid = slice.eid(i);
            if (!wanted.test(event) || !test(eid, pidOf.applyAsInt(event), event.unixNanos())) {
                continue; // cheaper to skip here than to format a row SQLite would drop
            }
            if (!sink.accept(maker.row(eid, event))) {
                return;
            }
        }
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
