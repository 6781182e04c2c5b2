package io.vajra.event;

import io.vajra.bpf.ProcessRecordLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What is known of each live process — binary and arguments — from the start-up
 * snapshot, exec and fork events. Exit events need it (the kernel has already dropped
 * the process's memory map by then) and so do fork rows (the child runs the parent's
 * image). Bounded: the least recently used entries go first.
 *
 * <p>Threading: used by the collector thread only.
 */
final class ProcessCache {
    static final int DEFAULT_CAPACITY = 65_536;

    /** A process is its pid plus its start time: pids are reused. */
    private record Known(long startBootNanos, byte[] path, byte[] argv, int argc) {}

    private final LinkedHashMap<Integer, Known> byPid;

    ProcessCache(int capacity) {
        this.byPid = new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Known> eldest) {
                return size() > capacity;
            }
        };
        forgetMemo();
    }

    int size() {
        return byPid.size();
    }

    private static final byte[] UNKNOWN = new byte[0];

    // The pids looked up lately and what was found, forgotten on every change to the map. A
    // few processes taking turns (a client and its server: W3's connections) cost one lookup
    // each and no boxing until something changes. Hits here leave the LRU order alone, which
    // changes only which of the entries touched since the last change is the elder: eviction,
    // on a change, takes one no lookup has touched since, as it did before.
    private static final int MEMO_SLOTS = 8; // a power of two
    private static final int NO_PID = -1; // 4294967295 as a u32: above any pid
    private final int[] memoPids = new int[MEMO_SLOTS];
    private final Known[] memoKnown = new Known[MEMO_SLOTS];

    private void forgetMemo() {
        Arrays.fill(memoPids, NO_PID);
        Arrays.fill(memoKnown, null); // nor hold on to an exited process's arguments
    }

    private Known lookup(int pid) {
        int slot = pid & (MEMO_SLOTS - 1);
        if (memoPids[slot] == pid) {
            return memoKnown[slot];
        }
        Known known = byPid.get(pid);
        memoPids[slot] = pid;
        memoKnown[slot] = known;
        return known;
    }

    /** The binary of a live process, empty when unknown. */
    byte[] pathOf(int pid) {
        Known known = lookup(pid);
        return known == null ? UNKNOWN : known.path();
    }

    /** Its arguments, NUL separated, empty when unknown. */
    byte[] argvOf(int pid) {
        Known known = lookup(pid);
        return known == null ? UNKNOWN : known.argv();
    }

    /** Learns from the event and returns it, completed with what the cache knew. */
    ProcessEvent observe(ProcessEvent e) {
        forgetMemo();
        int op = e.op();
        if (ProcessRecordLayout.isExec(op)) {
            if (e.exitCode() == 0) {
                byPid.put(e.pid(), new Known(e.startBootNanos(), e.path(), e.argv(), e.argc()));
            }
            return e;
        }
        if (op == ProcessRecordLayout.OP_SNAPSHOT) {
            byPid.put(e.pid(), new Known(e.startBootNanos(), e.path(), e.argv(), e.argc()));
            return e;
        }
        if (ProcessRecordLayout.isFork(op)) {
            Known parent = byPid.get(e.ppid());
            ProcessEvent filled = parent == null ? e : e.withImage(parent.path(), parent.argv(), parent.argc());
            byPid.put(e.pid(), new Known(e.startBootNanos(), filled.path(), filled.argv(), filled.argc()));
            return filled;
        }
        if (op == ProcessRecordLayout.OP_EXIT) {
            Known known = byPid.remove(e.pid());
            if (known == null || known.startBootNanos() != e.startBootNanos()) {
                return e;
            }
            return e.withImage(known.path(), known.argv(), known.argc());
        }
        return e;
    }
}
