package io.vajra.container;

import io.vajra.bpf.CgroupName;
import io.vajra.event.CgroupResolver;
import io.vajra.format.RawText;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cgroup names the kernel sent, by (hierarchy, id), and the context each
 * (cgroup2 id, v1 id) pair resolves to — parsed once per cgroup, shared by its events.
 * Bounded: least recently used entries go first (the kernel sends a name again once it
 * has forgotten it, and it forgets sooner than this cache does).
 *
 * <p>Threading: the collector thread only.
 */
public final class CgroupNames implements CgroupResolver {
    public static final int DEFAULT_CAPACITY = 65_536;

    private record Key(long id, int hierarchy) {}

    private record Pair(long v2Id, long v1Id) {}

    private final Map<Key, String> paths;
    private final Map<Pair, CgroupContext> contexts;
    /** The one v1 hierarchy the kernel follows (fixed per session), 0 until a name from it came. */
    private int v1Hierarchy;
    private CgroupContext last;
    private long lastV2Id;
    private long lastV1Id;

    public CgroupNames(int capacity) {
        this.paths = lru(capacity);
        this.contexts = lru(capacity);
    }

    public void learn(CgroupName name) {
        Key key = new Key(name.id(), name.hierarchy());
        if (name.hierarchy() > 0) {
            v1Hierarchy = name.hierarchy();
        }
        String path = RawText.decode(name.path());
        String known = paths.put(key, path);
        if (known != null && !known.equals(path)) {
            contexts.clear(); // an id now names another cgroup (a renamed one): parse afresh
            last = null;
        }
    }

    /** The context of a process in cgroup2 {@code v2Id} and v1 cgroup {@code v1Id} (0: none). */
    @Override
    public CgroupContext contextOf(long v2Id, long v1Id) {
        // Events come in runs from the same cgroups: answer those without a map lookup.
        if (last != null && v2Id == lastV2Id && v1Id == lastV1Id) {
            return last;
        }
        CgroupContext context = lookup(v2Id, v1Id);
        if (context != CgroupContext.UNKNOWN) {
            last = context;
            lastV2Id = v2Id;
            lastV1Id = v1Id;
        }
        return context;
    }

    private CgroupContext lookup(long v2Id, long v1Id) {
        Pair pair = new Pair(v2Id, v1Id);
        CgroupContext context = contexts.get(pair);
        if (context == null) {
            String v2 = paths.getOrDefault(new Key(v2Id, 0), "");
            String v1 = v1Id == 0 ? "" : v1PathOf(v1Id);
            if (v2.isEmpty() && v1.isEmpty()) {
                return CgroupContext.UNKNOWN; // not cached: the name may still arrive
            }
            context = ContainerNaming.parse(v2, v1);
            contexts.put(pair, context);
        }
        return context;
    }

    public int size() {
        return paths.size();
    }

    private String v1PathOf(long id) {
        return v1Hierarchy == 0 ? "" : paths.getOrDefault(new Key(id, v1Hierarchy), "");
    }

    private static <K, V> Map<K, V> lru(int capacity) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }
}
