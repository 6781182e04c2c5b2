package io.vajra.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vajra.bpf.ProbeCounters;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.fim.FileChange;
import io.vajra.fim.FileHasher;
import io.vajra.fim.FileRows;
import io.vajra.testing.ProcessEventBuilder;
import io.vajra.testing.SocketEventBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VajraStatsTableTest {
    private final EventStore<ProcessEvent> store = new EventStore<>(new StoreSettings(2, 1 << 20, 60),
            () -> ProcessEventBuilder.BOOT_TO_UNIX + 5_000_000_000L);

    private static List<String> lines(Table table) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> row : TableRows.of(table)) {
            out.add(row.get("source") + " " + row.get("family") + " " + row.get("name") + " = " + row.get("value"));
        }
        return out;
    }

    @Test
    void withoutACollectorOnlyTheStoreReports() {
        for (int i = 0; i < 3; i++) {
            store.append(ProcessEventBuilder.exec().build());
        }
        VajraStatsTable table = VajraStatsTable.builder().family("process", null, null, null, store).build();
        assertEquals(List.of(
                "store process rows = 2",
                "store process bytes = " + 2 * ProcessEventBuilder.exec().build().byteSize(),
                "store process capacity = 2",
                "store process byte_budget = 1048576",
                "store process expiry_seconds = 60",
                "store process oldest_eid = 2",
                "store process newest_eid = 3",
                "store process appended = 3",
                "store process evicted_capacity = 1",
                "store process evicted_bytes = 0",
                "store process dropped_oversize = 0",
                "store process expired = 0"), lines(table));
    }

    @Test
    void probeCountersAreSortedByWhoKeepsThem() {
        long[] values = new long[ProbeCounters.NAMES.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = 100 + i;
        }
        ProbeCounters counters = new ProbeCounters(values);
        VajraStatsTable table = VajraStatsTable.builder()
                .family("process", () -> counters, () -> 16 << 20, () -> 321, null).build();
        List<String> lines = lines(table);
        assertEquals("kernel process sent_exec = 100", lines.get(0));
        assertEquals("kernel process lost_ring_full = 104", lines.get(4));
        assertEquals("kernel process sent_cgroup = 110", lines.get(10));
        assertEquals("kernel socket sent_socket = 111", lines.get(11), "socket counters say their family");
        assertEquals("kernel socket lost_socket_inflight = 112", lines.get(12));
        assertEquals("kernel file sent_file = 113", lines.get(13), "file counters say their family");
        assertEquals("kernel file file_too_deep = 116", lines.get(16));
        assertEquals("kernel log sent_write = 117", lines.get(17), "log counters say their family");
        assertEquals("native process records_decoded = 118", lines.get(18));
        assertEquals("native process ring_bytes = 122", lines.get(22));
        assertEquals("collector process known_processes = 321", lines.get(23), "ring_bytes is not repeated");
        assertEquals(24, lines.size());
    }

    @Test
    void collectorCountersAreReadAtEachQueryAndDescribed() {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("file_records", 7L);
        counters.put("file_rows", 5L);
        counters.put("hash_done", 2L);
        VajraStatsTable table = VajraStatsTable.builder()
                .collectorCounters("file", () -> counters)
                .build();
        assertEquals(List.of(
                "collector file file_records = 7",
                "collector file file_rows = 5",
                "collector file hash_done = 2"), lines(table));
        for (Map<String, Object> row : TableRows.of(table)) {
            assertFalse(((String) row.get("description")).isBlank(), row.get("name") + " has no description");
        }
        counters.put("file_records", 8L);
        assertEquals("collector file file_records = 8", lines(table).get(0), "read again, not cached");
    }

    @Test
    void aCollectorCounterWithoutADescriptionStillShows() {
        VajraStatsTable table = VajraStatsTable.builder()
                .collectorCounters("file", () -> Map.of("something_new", 1L))
                .build();
        List<Map<String, Object>> rows = TableRows.of(table);
        assertEquals(1, rows.size());
        assertEquals("something_new", rows.get(0).get("name"));
        assertEquals("", rows.get(0).get("description"));
    }

    @Test
    void everyFileRowsCounterIsDescribed() {
        try (FileHasher hasher = new FileHasher(0, 1, 0)) {
            FileRows rows = new FileRows(new EventStore<FileChange>(StoreSettings.defaults()),
                    () -> FileRows.FimState.EMPTY, hasher, path -> { });
            VajraStatsTable table = VajraStatsTable.builder()
                    .collectorCounters("file", rows::counters)
                    .build();
            List<Map<String, Object>> tableRows = TableRows.of(table);
            assertEquals(List.copyOf(rows.counters().keySet()), tableRows.stream().map(r -> r.get("name")).toList());
            for (Map<String, Object> row : tableRows) {
                assertEquals("file", row.get("family"));
                assertFalse(((String) row.get("description")).isBlank(), row.get("name") + " has no description");
            }
        }
    }

    @Test
    void eachStoreReportsUnderItsOwnFamily() {
        EventStore<SocketEvent> sockets = new EventStore<>(new StoreSettings(5, 1 << 20, 60),
                () -> ProcessEventBuilder.BOOT_TO_UNIX + 5_000_000_000L);
        sockets.append(SocketEventBuilder.connect().build());
        store.append(ProcessEventBuilder.exec().build());
        VajraStatsTable table = VajraStatsTable.builder()
                .family("process", null, null, null, store)
                .family("socket", null, null, null, sockets)
                .build();
        List<String> lines = lines(table);
        assertEquals(24, lines.size());
        assertEquals("store process rows = 1", lines.get(0));
        assertEquals("store socket rows = 1", lines.get(12));
        assertEquals("store socket bytes = " + SocketEventBuilder.connect().build().byteSize(), lines.get(13));
        assertEquals("store socket capacity = 5", lines.get(14));
        assertEquals("store socket newest_eid = 1", lines.get(18));
    }

    @Test
    void aFailingCollectorDoesNotFailTheTable() {
        VajraStatsTable table = VajraStatsTable.builder().family("process", () -> {
            throw new IllegalStateException("closed");
        }, () -> 4096, null, null).build();
        assertEquals(List.of("collector process ring_bytes = 4096"), lines(table));
    }

    @Test
    void everyRowIsDescribed() {
        VajraStatsTable table = VajraStatsTable.builder()
                .family("process", () -> new ProbeCounters(new long[ProbeCounters.NAMES.length]), () -> 1, () -> 1, store)
                .build();
        for (Map<String, Object> row : TableRows.of(table)) {
            if (((String) row.get("description")).isBlank()) {
                throw new AssertionError(row.get("name") + " has no description");
            }
        }
        assertEquals(List.of("source", "family", "name", "value", "description"),
                table.columns().stream().map(Column::name).toList());
    }
}
