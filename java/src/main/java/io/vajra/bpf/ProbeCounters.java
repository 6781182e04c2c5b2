package io.vajra.bpf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of the probe counters: the kernel's per-CPU counters summed (bpf/events.h,
 * enum vj_stat, same order) followed by the native poller's own.
 */
public final class ProbeCounters {
    /** Counter names in the order native's counters() returns them. */
    public static final String[] NAMES = {
        // kernel: enum vj_stat
        "sent_exec", "sent_exec_failed", "sent_fork", "sent_exit",
        "lost_ring_full", "lost_too_big", "lost_inflight_full",
        "fault_argv", "fault_path", "lost_no_scratch", "sent_cgroup", "sent_socket", "lost_socket_inflight",
        "sent_file", "lost_file_inflight", "lost_file_untracked", "file_too_deep",
        "sent_write",
        // native poller
        "records_decoded", "batches", "lost_malformed", "snapshot_records", "ring_bytes",
    };

    private final long[] values;

    public ProbeCounters(long[] values) {
        if (values.length != NAMES.length) {
            throw new IllegalArgumentException("native reported " + values.length
                    + " counters, Java knows " + NAMES.length + ": library and jar do not match");
        }
        this.values = values.clone();
    }

    public long get(String name) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return values[i];
            }
        }
        throw new IllegalArgumentException("no counter " + name);
    }

    /** Events lost before reaching Java, all causes. */
    public long lost() {
        return get("lost_ring_full") + get("lost_too_big") + get("lost_inflight_full")
                + get("lost_socket_inflight") + get("lost_file_inflight") + get("lost_file_untracked")
                + get("lost_no_scratch") + get("lost_malformed");
    }

    public Map<String, Long> asMap() {
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            map.put(NAMES[i], values[i]);
        }
        return map;
    }
}
