package io.vajra.event;

/**
 * Which events a read wants: an eid range and a time range, both inclusive. The store uses
 * them to find the start of the scan instead of filtering every event.
 *
 * @param minEid       lowest eid wanted
 * @param maxEid       highest eid wanted
 * @param minUnixNanos earliest event time wanted (UNIX ns)
 * @param maxUnixNanos latest event time wanted (UNIX ns)
 */
public record EventRange(long minEid, long maxEid, long minUnixNanos, long maxUnixNanos) {
    public static final EventRange ALL = new EventRange(Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE);

    public static EventRange eids(long minEid, long maxEid) {
        return new EventRange(minEid, maxEid, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    public static EventRange unixNanos(long min, long max) {
        return new EventRange(Long.MIN_VALUE, Long.MAX_VALUE, min, max);
    }

    public boolean isEmpty() {
        return minEid > maxEid || minUnixNanos > maxUnixNanos;
    }
}
