package io.vajra.table;

import io.vajra.bpf.ProbeCounters;
import io.vajra.container.ContainerRegistry;
import io.vajra.event.EventStore;
import io.vajra.event.StoreStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * {@code vajra_stats}: every counter Vajra keeps, one row each, read when queried. Built from
 * suppliers so it works without a running collector (tests, or a collector that failed).
 *
 * <p>Sources: {@code kernel} (BPF per-CPU counters), {@code native} (the JNI poller),
 * {@code collector} (the Java collector's own state) and {@code store} (the event store).
 */
public final class VajraStatsTable implements Table {
    public static final String NAME = "vajra_stats";

    private static final Schema SCHEMA = new Schema();
    private static final int SOURCE = SCHEMA.add(Column.text("source",
            "Who keeps the counter: kernel, native, collector or store"));
    private static final int FAMILY = SCHEMA.add(Column.text("family",
            "Event family the counter belongs to: process, socket, file, log or container"));
    private static final int COUNTER = SCHEMA.add(Column.text("name", "Counter name"));
    private static final int VALUE = SCHEMA.add(Column.bigint("value", "Current value"));
    private static final int DESCRIPTION = SCHEMA.add(Column.text("description",
            "What the counter counts"));
    private static final List<Column> COLUMNS = SCHEMA.columns();

    private static final String KERNEL = "kernel";
    private static final String NATIVE = "native";
    private static final String COLLECTOR = "collector";
    private static final String STORE = "store";

    /**
     * Source and meaning of each {@link ProbeCounters} name, and the family it is reported
     * under when it is not the family the counters were given for.
     */
    private static final Map<String, ProbeCounter> PROBE_COUNTERS = new LinkedHashMap<>();

    private record ProbeCounter(String source, String description, String family) {}

    static {
        probe(KERNEL, "sent_exec", "Successful execs sent by the kernel");
        probe(KERNEL, "sent_exec_failed", "Failed execs sent by the kernel");
        probe(KERNEL, "sent_fork", "fork, vfork, clone and clone3 events sent by the kernel");
        probe(KERNEL, "sent_exit", "Process exits sent by the kernel");
        probe(KERNEL, "lost_ring_full", "Events lost: their CPU's ring buffer was full (raise --ring-size)");
        probe(KERNEL, "lost_too_big", "Events lost: the record was larger than the ring allows");
        probe(KERNEL, "lost_inflight_full", "Failed execs lost: too many execs in flight to track");
        probe(KERNEL, "fault_argv", "Events sent with incomplete arguments (probe_error = 1)");
        probe(KERNEL, "fault_path", "Events sent with an incomplete path or cwd (probe_error = 1)");
        probe(KERNEL, "lost_no_scratch", "Events lost: no scratch buffer or task data");
        probe(KERNEL, "sent_cgroup", "Cgroup names sent (once per cgroup, before its first event)");
        probe(KERNEL, "sent_socket", "Socket events sent by the kernel", "socket");
        probe(KERNEL, "lost_socket_inflight",
                "Socket events lost: a socket call in flight could not be tracked (the map refused the entry)", "socket");
        probe(KERNEL, "sent_file", "File events sent by the kernel (before exact matching)", "file");
        probe(KERNEL, "lost_file_inflight",
                "File events lost: a file call in flight could not be tracked (the map refused the entry)", "file");
        probe(KERNEL, "lost_file_untracked",
                "Writes that may go unreported: a file open for writing could not be followed to its close "
                        + "(map full, or more than 16 held by an exiting process)", "file");
        probe(KERNEL, "file_too_deep",
                "Paths deeper than the kernel filter walks (64 levels): treated as unwatched", "file");
        probe(KERNEL, "sent_write", "Writes to files in watched log directories sent by the kernel", "log");
        probe(NATIVE, "records_decoded", "Records decoded by the poller");
        probe(NATIVE, "batches", "Batches handed from the poller to Java");
        probe(NATIVE, "lost_malformed", "Events lost: the decoder rejected a malformed record");
        probe(NATIVE, "snapshot_records", "Processes read by the start-up snapshot");
        probe(NATIVE, "ring_bytes", "Bytes of the CPUs' ring buffers together");
    }

    private static void probe(String source, String name, String description) {
        probe(source, name, description, null);
    }

    private static void probe(String source, String name, String description, String family) {
        PROBE_COUNTERS.put(name, new ProbeCounter(source, description, family));
    }

    /** Descriptions of collector counters given by {@link Builder#collectorCounters}. */
    private static final Map<String, String> COLLECTOR_COUNTERS = Map.ofEntries(
            Map.entry("file_records", "File records from the kernel, before exact matching"),
            Map.entry("file_rows", "bpf_file_events rows made (one per matching category)"),
            Map.entry("file_unmatched",
                    "File records the kernel let through that no pattern matched (excluded, or the kernel's superset)"),
            Map.entry("hash_requests", "Files submitted for hashing"),
            Map.entry("hash_cache_hits", "Hashes taken from the cache (same device, inode, mtime and size)"),
            Map.entry("hash_done", "Files hashed"),
            Map.entry("hash_failed", "Files that could not be hashed (hashed = -1; see hash_error)"),
            Map.entry("hash_queue_full", "Hash requests refused: the queue was full (hashed = -1)"),
            Map.entry("hash_bytes_read", "Bytes read for hashing"),
            Map.entry("log_files_tailed", "Log files followed now"),
            Map.entry("log_files_unreadable", "Files matching a log source that cannot be read (permission, gone); named in the log"),
            Map.entry("log_lines", "bpf_log_events rows made"),
            Map.entry("log_lines_unattributed", "Lines whose writer the kernel did not report (written before tailing, "
                    + "mmap, sendfile, a write record lost); their writer columns are empty"),
            Map.entry("log_lines_truncated", "Lines longer than max_line_bytes, cut (truncated = 1)"),
            Map.entry("log_lines_filtered", "Lines left out by a source's include/exclude"),
            Map.entry("log_bytes_skipped", "Bytes lost: a file ran more than 64 MiB ahead of the reader and was skipped forward"),
            Map.entry("log_lines_skipped", "Lines lost in those skipped bytes (cause: the reader fell 64 MiB behind)"),
            Map.entry("log_rotations", "Files renamed away or deleted while followed (drained, then closed)"),
            Map.entry("log_truncations", "Files truncated under the reader (copytruncate): read again from 0"),
            Map.entry("log_writes", "Write records received for files in watched log directories"),
            Map.entry("log_write_ranges_dropped", "Write records dropped by the ledger's bounds (their lines go unattributed)"),
            Map.entry("hash_coalesced",
                    "Hash requests that joined one already queued for the same file (one read serves both rows)"));

    private final List<Family> families;
    private final List<Extra> extras;

    private final ContainerRegistry containers;
    private final IntSupplier cgroupNames;

    private record Extra(String family, Supplier<Map<String, Long>> counters) {}

    private VajraStatsTable(List<Family> families, List<Extra> extras, ContainerRegistry containers,
            IntSupplier cgroupNames) {
        this.families = List.copyOf(families);
        this.extras = List.copyOf(extras);
        this.containers = containers;
        this.cgroupNames = cgroupNames;
    }

    private void addContainerRows(List<Object[]> rows) {
        if (containers != null) {
            rows.add(row(COLLECTOR, "container", "containers_known", containers.size(),
                    "Containers in vajra_containers now (at most 16,384)"));
            rows.add(row(COLLECTOR, "container", "containers_forgotten", containers.forgotten(),
                    "Containers dropped from vajra_containers because it was full"));
        }
        if (cgroupNames != null) {
            rows.add(row(COLLECTOR, "container", "cgroup_names", cgroupNames.getAsInt(),
                    "Cgroup names cached for attribution (at most 65,536)"));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Column> columns() {
        return COLUMNS;
    }

    @Override
    public void generate(QueryConstraints constraints, RowSink sink) {
        List<Object[]> rows = new ArrayList<>();
        for (Family family : families) {
            family.addRows(rows);
        }
        for (Extra extra : extras) {
            extra.counters().get().forEach((name, value) -> rows.add(row(COLLECTOR, extra.family(), name, value,
                    COLLECTOR_COUNTERS.getOrDefault(name, ""))));
        }
        addContainerRows(rows);
        for (Object[] row : rows) {
            if (!sink.accept(row)) {
                return;
            }
        }
    }

    private static Object[] row(String source, String family, String name, long value, String description) {
        Object[] row = new Object[COLUMNS.size()];
        row[SOURCE] = source;
        row[FAMILY] = family;
        row[COUNTER] = name;
        row[VALUE] = value;
        row[DESCRIPTION] = description;
        return row;
    }

    /** Where one event family's counters come from; any supplier may be null (absent). */
    private record Family(String name, Supplier<ProbeCounters> counters, IntSupplier ringBytes,
            IntSupplier knownProcesses, EventStore<?> store) {

        void addRows(List<Object[]> rows) {
            boolean ringBytesReported = false;
            ProbeCounters probe = readCounters();
            if (probe != null) {
                for (Map.Entry<String, Long> counter : probe.asMap().entrySet()) {
                    ProbeCounter meaning = PROBE_COUNTERS.getOrDefault(counter.getKey(),
                            new ProbeCounter(NATIVE, "", null));
                    rows.add(row(meaning.source(), meaning.family() == null ? name : meaning.family(),
                            counter.getKey(), counter.getValue(), meaning.description()));
                    ringBytesReported |= counter.getKey().equals("ring_bytes");
                }
            }
            if (ringBytes != null && !ringBytesReported) {
                rows.add(row(COLLECTOR, name, "ring_bytes", ringBytes.getAsInt(), "Bytes of the CPUs' ring buffers together"));
            }
            if (knownProcesses != null) {
                rows.add(row(COLLECTOR, name, "known_processes", knownProcesses.getAsInt(),
                        "Processes the collector knows now (snapshot + exec/fork - exit)"));
            }
            if (store != null) {
                StoreStats s = store.stats();
                rows.add(row(STORE, name, "rows", s.rows(), "Events held"));
                rows.add(row(STORE, name, "bytes", s.bytes(), "Bytes held (estimated)"));
                rows.add(row(STORE, name, "capacity", s.capacityRows(), "Most events held (--events-max)"));
                rows.add(row(STORE, name, "byte_budget", s.byteBudget(), "Most bytes held (--store-bytes)"));
                rows.add(row(STORE, name, "expiry_seconds", s.expirySeconds(), "Retention (--events-expiry)"));
                rows.add(row(STORE, name, "oldest_eid", s.oldestEid(), "eid of the oldest event held"));
                rows.add(row(STORE, name, "newest_eid", s.newestEid(), "Last eid assigned"));
                rows.add(row(STORE, name, "appended", s.appended(), "Events stored since start"));
                rows.add(row(STORE, name, "evicted_capacity", s.evictedCapacity(),
                        "Events lost: dropped before expiry because the store was full (rows)"));
                rows.add(row(STORE, name, "evicted_bytes", s.evictedBytes(),
                        "Events lost: dropped before expiry because the store was full (bytes)"));
                rows.add(row(STORE, name, "dropped_oversize", s.droppedOversize(),
                        "Events lost: one event alone was larger than the byte budget"));
                rows.add(row(STORE, name, "expired", s.expired(), "Events dropped after their retention (normal)"));
            }
        }

        /** A collector that is stopping must not make the stats table fail. */
        private ProbeCounters readCounters() {
            if (counters == null) {
                return null;
            }
            try {
                return counters.get();
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    public static final class Builder {
        private final List<Family> families = new ArrayList<>();
        private final List<Extra> extras = new ArrayList<>();
        private ContainerRegistry containerRegistry;
        private IntSupplier cgroupNamesKnown;

        private Builder() {}

        /**
         * Adds one event family.
         *
         * @param counters       probe counters; null when no collector runs
         * @param ringBytes      the collector's ring size; null when no collector runs
         * @param knownProcesses the collector's process count; null when not applicable
         * @param store          the family's event store; null when none
         */
        public Builder family(String name, Supplier<ProbeCounters> counters, IntSupplier ringBytes,
                IntSupplier knownProcesses, EventStore<?> store) {
            families.add(new Family(name, counters, ringBytes, knownProcesses, store));
            return this;
        }

        /** Adds counters kept by the collector for {@code family}, read at each query. */
        public Builder collectorCounters(String family, Supplier<Map<String, Long>> counters) {
            extras.add(new Extra(family, counters));
            return this;
        }

        /** Adds the container caches' sizes (family "container"). */
        public Builder containers(ContainerRegistry registry, IntSupplier cgroupNames) {
            containerRegistry = registry;
            cgroupNamesKnown = cgroupNames;
            return this;
        }

        public VajraStatsTable build() {
            return new VajraStatsTable(families, extras, containerRegistry, cgroupNamesKnown);
        }
    }
}
