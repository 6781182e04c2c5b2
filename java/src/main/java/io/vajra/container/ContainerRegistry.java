package io.vajra.container;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The containers seen so far, with first/last sighting and event counts, for the
 * vajra_containers table. Bounded: the least recently seen go first (counted).
 *
 * <p>Threading: {@link #saw} from the collector thread; {@link #snapshot} from query
 * threads (both synchronized: one short critical section per event batch member).
 */
public final class ContainerRegistry {
    public static final int DEFAULT_CAPACITY = 16_384;

    /** One container as seen; {@code name} comes from the runtime's metadata on disk. */
    public record Seen(CgroupContext context, long firstSeenNanos, long lastSeenNanos, long events, String name) {}

    private static final class Entry {
        final CgroupContext context;
        final long firstSeenNanos;
        long lastSeenNanos;
        long events;

        Entry(CgroupContext context, long nanos) {
            this.context = context;
            this.firstSeenNanos = nanos;
            this.lastSeenNanos = nanos;
        }
    }

    private final Map<String, Entry> byId;
    private final ContainerNames names;
    private long forgotten;

    public ContainerRegistry(int capacity, ContainerNames names) {
        this.names = names;
        this.byId = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                if (size() > capacity) {
                    forgotten++;
                    return true;
                }
                return false;
            }
        };
    }

    public void saw(CgroupContext context, long unixNanos) {
        // Host events (most of them) never take the lock.
        if (context == null || !context.inContainer()) {
            return;
        }
        synchronized (this) {
            record(context, unixNanos);
        }
    }

    private void record(CgroupContext context, long unixNanos) {
        Entry e = byId.get(context.containerId());
        if (e == null) {
            e = new Entry(context, unixNanos);
            byId.put(context.containerId(), e);
        }
        e.lastSeenNanos = Math.max(e.lastSeenNanos, unixNanos);
        e.events++;
    }

    /** Every container known now; names are looked up here, off the collector's path. */
    public List<Seen> snapshot() {
        List<Entry> entries;
        List<Seen> seen = new ArrayList<>();
        synchronized (this) {
            entries = new ArrayList<>(byId.values());
            for (Entry e : entries) {
                seen.add(new Seen(e.context, e.firstSeenNanos, e.lastSeenNanos, e.events, ""));
            }
        }
        List<Seen> named = new ArrayList<>(seen.size());
        for (Seen s : seen) {
            named.add(new Seen(s.context(), s.firstSeenNanos(), s.lastSeenNanos(), s.events(),
                    names.nameOf(s.context())));
        }
        return named;
    }

    public synchronized int size() {
        return byId.size();
    }

    /** Containers dropped from the registry because it was full. */
    public synchronized long forgotten() {
        return forgotten;
    }

    public ContainerNames names() {
        return names;
    }
}
