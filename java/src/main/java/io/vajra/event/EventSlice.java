package io.vajra.event;

import java.util.Arrays;

/**
 * Events copied out of an {@link EventStore} by one read, in eid order. The copy holds
 * references only, so a reader can format rows at leisure without holding the store's lock
 * (which would stall the collector).
 */
public final class EventSlice<E extends Event> {
    private static final EventSlice<?> EMPTY = new EventSlice<>(new long[0], new Event[0], 0);

    private final long[] eids;
    private final Event[] events;
    private final int size;

    EventSlice(long[] eids, Event[] events, int size) {
        this.eids = eids;
        this.events = events;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    static <E extends Event> EventSlice<E> empty() {
        return (EventSlice<E>) EMPTY;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public long eid(int index) {
        return eids[index];
    }

    @SuppressWarnings("unchecked")
    public E event(int index) {
        return (E) events[index];
    }

    /** The eids in this slice, for tests and diagnostics. */
    public long[] eids() {
        return Arrays.copyOf(eids, size);
    }
}
