package io.vajra.event;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The bounded event store behind one table: a ring of events in eid order.
 *
 * <p><b>Threading:</b> one writer (the collector thread) calls {@link #append} /
 * {@link #appendAll}; any number of query threads read at the same time. A read-write lock
 * guards the ring; reads copy references out ({@link EventSlice}) and never format rows
 * under the lock, so a slow query cannot stall collection for long.
 *
 * <p><b>eid:</b> assigned here, starting at 1, increasing by one per stored event. The held
 * events always carry contiguous eids, so the ring slot of an eid is found in O(1).
 *
 * <p><b>Bounds:</b> rows, bytes and age ({@link StoreSettings}). Expiry compares each event's
 * own time with the clock and is applied lazily, on append and on read. Every dropped event is
 * counted by cause ({@link StoreStats}).
 *
 * <p><b>Time:</b> event times are nearly monotonic (per-CPU rings merge slightly out of
 * order). The store counts adjacent pairs that run backwards; while there are none, a time
 * range is found by binary search, otherwise the eid range is filtered event by event.
 */
public final class EventStore<E extends Event> {
    /** Rings start small and double, so a large events max costs memory only when used. */
    private static final int INITIAL_SLOTS = 1024;

    private final StoreSettings settings;
    private final LongSupplier unixNanosClock;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    // Guarded by lock. Slot i holds the event, its time and its byte size (kept so eviction
    // subtracts exactly what append added).
    private Event[] events;
    private long[] times;
    private int[] sizes;
    private int head;
    private int count;
    private long oldestEid = 1;
    private long nextEid = 1;
    private long bytes;
    /** Adjacent held pairs whose time runs backwards; 0 means binary search is exact. */
    private int timeInversions;

    private long appended;
    private long evictedCapacity;
    private long evictedBytes;
    private long droppedOversize;
    private long expired;

    public EventStore(StoreSettings settings) {
        this(settings, EventStore::systemUnixNanos);
    }

    /** @param unixNanosClock the current UNIX time in ns; injectable for tests */
    public EventStore(StoreSettings settings, LongSupplier unixNanosClock) {
        this.settings = settings;
        this.unixNanosClock = unixNanosClock;
        int slots = Math.min(settings.capacityRows(), INITIAL_SLOTS);
        this.events = new Event[slots];
        this.times = new long[slots];
        this.sizes = new int[slots];
    }

    public StoreSettings settings() {
        return settings;
    }

    /**
     * Stores one event.
     *
     * @return its eid, or 0 when the event alone exceeds the byte budget and was dropped
     */
    public long append(E event) {
        long cutoff = expiryCutoff();
        lock.writeLock().lock();
        try {
            expireOlderThan(cutoff);
            return store(event);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Stores a batch under one lock acquisition (the collector delivers batches).
     *
     * @return the eid of the last event stored, or 0 when none was
     */
    public long appendAll(List<? extends E> batch) {
        if (batch.isEmpty()) {
            return 0;
        }
        long cutoff = expiryCutoff();
        long last = 0;
        lock.writeLock().lock();
        try {
            expireOlderThan(cutoff);
            for (E event : batch) {
                long eid = store(event);
                if (eid != 0) {
                    last = eid;
                }
            }
            return last;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * The events in the range that have not expired, in eid order. Costs O(1) to find an
     * eid start, O(log n) for a time start while times are monotonic, plus the copy.
     */
    public EventSlice<E> read(EventRange range) {
        long cutoff = expireOnRead();
        if (range.isEmpty()) {
            return EventSlice.empty();
        }
        long minTime = Math.max(range.minUnixNanos(), cutoff);
        long maxTime = range.maxUnixNanos();
        lock.readLock().lock();
        try {
            if (count == 0 || minTime > maxTime) {
                return EventSlice.empty();
            }
            long firstEid = Math.max(range.minEid(), oldestEid);
            long lastEid = Math.min(range.maxEid(), nextEid - 1);
            if (firstEid > lastEid) {
                return EventSlice.empty();
            }
            int from = (int) (firstEid - oldestEid);
            int to = (int) (lastEid - oldestEid) + 1;
            if (timeInversions == 0) {
                from = firstAtOrAfter(minTime, from, to);
                to = firstAfter(maxTime, from, to);
                return copy(from, to);
            }
            return copyFiltered(from, to, minTime, maxTime);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Occupancy and counters, after expiring what is due. */
    public StoreStats stats() {
        expireOnRead();
        lock.readLock().lock();
        try {
            return new StoreStats(count, bytes, settings.capacityRows(), settings.byteBudget(),
                    settings.expirySeconds(), oldestEid, nextEid - 1, appended, evictedCapacity,
                    evictedBytes, droppedOversize, expired);
        } finally {
            lock.readLock().unlock();
        }
    }

    // ---- writer side, lock held -------------------------------------------------------

    private long store(E event) {
        int size = event.byteSize();
        if (size > settings.byteBudget()) {
            droppedOversize++;
            return 0;
        }
        while (count >= settings.capacityRows()) {
            evictOldest();
            evictedCapacity++;
        }
        while (count > 0 && bytes + size > settings.byteBudget()) {
            evictOldest();
            evictedBytes++;
        }
        if (count == events.length) {
            grow();
        }
        long time = event.unixNanos();
        if (count > 0 && time < times[slot(count - 1)]) {
            timeInversions++;
        }
        int slot = slot(count);
        events[slot] = event;
        times[slot] = time;
        sizes[slot] = size;
        count++;
        bytes += size;
        appended++;
        return nextEid++;
    }

    private void expireOlderThan(long cutoff) {
        // Only from the head: eids must stay contiguous. An out-of-order old event further in
        // is hidden by reads and counted here once it reaches the head.
        while (count > 0 && times[head] < cutoff) {
            evictOldest();
            expired++;
        }
    }

    private void evictOldest() {
        if (count > 1 && times[slot(1)] < times[head]) {
            timeInversions--;
        }
        bytes -= sizes[head];
        events[head] = null;
        head = slot(1);
        count--;
        oldestEid++;
    }

    private void grow() {
        int slots = (int) Math.min((long) events.length * 2, settings.capacityRows());
        Event[] newEvents = new Event[slots];
        long[] newTimes = new long[slots];
        int[] newSizes = new int[slots];
        for (int i = 0; i < count; i++) {
            int from = slot(i);
            newEvents[i] = events[from];
            newTimes[i] = times[from];
            newSizes[i] = sizes[from];
        }
        events = newEvents;
        times = newTimes;
        sizes = newSizes;
        head = 0;
    }

    // ---- reader side ------------------------------------------------------------------

    /** Expires under the write lock only when the head is due, so idle reads stay shared. */
    private long expireOnRead() {
        long cutoff = expiryCutoff();
        boolean due;
        lock.readLock().lock();
        try {
            due = count > 0 && times[head] < cutoff;
        } finally {
            lock.readLock().unlock();
        }
        if (due) {
            lock.writeLock().lock();
            try {
                expireOlderThan(cutoff);
            } finally {
                lock.writeLock().unlock();
            }
        }
        return cutoff;
    }

    /** First logical index in [from, to) whose time is >= t (times monotonic). */
    private int firstAtOrAfter(long t, int from, int to) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[slot(mid)] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First logical index in [from, to) whose time is > t (times monotonic). */
    private int firstAfter(long t, int from, int to) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[slot(mid)] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private EventSlice<E> copy(int from, int to) {
        int n = to - from;
        if (n <= 0) {
            return EventSlice.empty();
        }
        long[] eids = new long[n];
        Event[] out = new Event[n];
        for (int i = 0; i < n; i++) {
            eids[i] = oldestEid + from + i;
            out[i] = events[slot(from + i)];
        }
        return new EventSlice<>(eids, out, n);
    }

    private EventSlice<E> copyFiltered(int from, int to, long minTime, long maxTime) {
        int capacity = to - from;
        long[] eids = new long[capacity];
        Event[] out = new Event[capacity];
        int n = 0;
        for (int i = from; i < to; i++) {
            int slot = slot(i);
            long time = times[slot];
            if (time >= minTime && time <= maxTime) {
                eids[n] = oldestEid + i;
                out[n] = events[slot];
                n++;
            }
        }
        return n == 0 ? EventSlice.empty() : new EventSlice<>(eids, out, n);
    }

    // ---- helpers ----------------------------------------------------------------------

    private int slot(int logicalIndex) {
        int slot = head + logicalIndex;
        return slot >= events.length ? slot - events.length : slot;
    }

    private long expiryCutoff() {
        return unixNanosClock.getAsLong() - settings.expiryNanos();
    }

    private static long systemUnixNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
