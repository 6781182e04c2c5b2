package io.vajra.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeCounters;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
import io.vajra.fim.FileChange;
import io.vajra.fim.FileHasher;
import io.vajra.fim.FileRows;
import io.vajra.log.LogLine;
import io.vajra.log.LogTailer;
import io.vajra.log.WriteLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/tables.md must describe every column with its real type and options, and every counter. */
class TablesDocumentationTest {
    private static final Path DOC = Path.of("docs", "tables.md");

    private static String row(Column c) {
        String options = c.options().stream().sorted().map(Enum::name).collect(Collectors.joining(", "));
        return "| `" + c.name() + "` | " + c.type() + " | " + options + (options.isEmpty() ? "| " : " | ");
    }

    /** Every column under the table's own heading, in the table's order. */
    private static void assertDocumented(Table table, String doc) {
        String heading = "\n## " + table.name() + "\n";
        int start = doc.indexOf(heading);
        assertTrue(start >= 0, "no section " + heading.strip() + " in " + DOC);
        int end = doc.indexOf("\n## ", start + heading.length());
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        List<String> missing = new ArrayList<>();
        int at = 0;
        for (Column c : table.columns()) {
            int found = section.indexOf(row(c), at);
            if (found < 0) {
                missing.add(row(c) + (section.contains(row(c)) ? "(out of order)" : ""));
            } else {
                at = found;
            }
        }
        assertEquals(List.of(), missing, "rows missing or different in " + DOC + " under " + heading.strip());
    }

    @Test
    void everyColumnIsDocumentedWithItsTypeAndOptions() throws IOException {
        String doc = Files.readString(DOC);
        EventStore<ProcessEvent> store = new EventStore<>(StoreSettings.defaults());
        assertDocumented(new ProcessEventsTable(store, () -> 0), doc);
        assertDocumented(new SocketEventsTable(new EventStore<SocketEvent>(StoreSettings.defaults())), doc);
        assertDocumented(VajraStatsTable.builder().build(), doc);
        assertDocumented(new ContainersTable(new io.vajra.container.ContainerRegistry(1, io.vajra.container.ContainerNames.system())), doc);
        assertDocumented(new FileEventsTable(new EventStore<FileChange>(StoreSettings.defaults())), doc);
        assertDocumented(new LogEventsTable(new EventStore<LogLine>(StoreSettings.defaults())), doc);
    }

    @Test
    void everyCounterIsDocumented() throws IOException {
        String doc = Files.readString(DOC);
        EventStore<ProcessEvent> store = new EventStore<>(StoreSettings.defaults());
        VajraStatsTable stats = VajraStatsTable.builder()
                .family("process", () -> new ProbeCounters(new long[ProbeCounters.NAMES.length]), () -> 1, () -> 1, store)
                .family("socket", null, null, null, new EventStore<SocketEvent>(StoreSettings.defaults()))
                .family("file", null, null, null, new EventStore<FileChange>(StoreSettings.defaults()))
                .collectorCounters("file", TablesDocumentationTest::fileCollectorCounters)
                .family("log", null, null, null, new EventStore<LogLine>(StoreSettings.defaults()))
                .collectorCounters("log", TablesDocumentationTest::logCollectorCounters)
                .containers(new io.vajra.container.ContainerRegistry(1, io.vajra.container.ContainerNames.system()), () -> 0)
                .build();
        String socketCounters = doc.substring(doc.indexOf("Counters (`family` = `socket`)"));
        String fileCounters = doc.substring(doc.indexOf("Counters (`family` = `file`)"),
                doc.indexOf("Counters (`family` = `log`)"));
        String logCounters = doc.substring(doc.indexOf("Counters (`family` = `log`)"),
                doc.indexOf("Container caches (`family` = `container`)"));
        boolean logCountersSeen = false;
        for (Map<String, Object> row : TableRows.of(stats)) {
            String line = "| " + row.get("source") + " | `" + row.get("name") + "` | ";
            assertTrue(doc.contains(line), "missing in " + DOC + ": " + line);
            if ("socket".equals(row.get("family")) && !"store".equals(row.get("source"))) {
                assertTrue(socketCounters.contains(line), "not under the socket counters: " + line);
            }
            if ("file".equals(row.get("family")) && !"store".equals(row.get("source"))) {
                assertTrue(fileCounters.contains(line), "not under the file counters: " + line);
            }
            if ("log".equals(row.get("family")) && !"store".equals(row.get("source"))) {
                assertTrue(logCounters.contains(line), "not under the log counters: " + line);
                logCountersSeen = true;
            }
        }
        assertTrue(logCountersSeen, "no log counters were checked");
    }

    /** The counters LogTailer reports (its own, then its ledger's), as the CLI wires them. */
    private static Map<String, Long> logCollectorCounters() {
        return new LogTailer(new EventStore<LogLine>(StoreSettings.defaults()), new WriteLedger(), line -> { })
                .counters();
    }

    /** The counters FileRows reports (its own, then its hasher's), as the CLI wires them. */
    private static Map<String, Long> fileCollectorCounters() {
        try (FileHasher hasher = new FileHasher(0, 1, 0)) {
            return new FileRows(new EventStore<FileChange>(StoreSettings.defaults()), () -> FileRows.FimState.EMPTY,
                    hasher, path -> { }).counters();
        }
    }
}
