package io.vajra.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeCounters;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.event.StoreSettings;
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

    private static void assertDocumented(Table table, String doc) {
        List<String> missing = new ArrayList<>();
        for (Column c : table.columns()) {
            if (!doc.contains(row(c))) {
                missing.add(row(c));
            }
        }
        assertEquals(List.of(), missing, "rows missing or different in " + DOC);
    }

    @Test
    void everyColumnIsDocumentedWithItsTypeAndOptions() throws IOException {
        String doc = Files.readString(DOC);
        EventStore<ProcessEvent> store = new EventStore<>(StoreSettings.defaults());
        assertDocumented(new ProcessEventsTable(store, () -> 0), doc);
        assertDocumented(new SocketEventsTable(new EventStore<SocketEvent>(StoreSettings.defaults())), doc);
        assertDocumented(VajraStatsTable.builder().build(), doc);
        assertDocumented(new ContainersTable(new io.vajra.container.ContainerRegistry(1, io.vajra.container.ContainerNames.system())), doc);
    }

    @Test
    void everyCounterIsDocumented() throws IOException {
        String doc = Files.readString(DOC);
        EventStore<ProcessEvent> store = new EventStore<>(StoreSettings.defaults());
        VajraStatsTable stats = VajraStatsTable.builder()
                .family("process", () -> new ProbeCounters(new long[ProbeCounters.NAMES.length]), () -> 1, () -> 1, store)
                .family("socket", null, null, null, new EventStore<SocketEvent>(StoreSettings.defaults()))
                .containers(new io.vajra.container.ContainerRegistry(1, io.vajra.container.ContainerNames.system()), () -> 0)
                .build();
        String socketCounters = doc.substring(doc.indexOf("Counters (`family` = `socket`)"));
        for (Map<String, Object> row : TableRows.of(stats)) {
            String line = "| " + row.get("source") + " | `" + row.get("name") + "` | ";
            assertTrue(doc.contains(line), "missing in " + DOC + ": " + line);
            if ("socket".equals(row.get("family")) && !"store".equals(row.get("source"))) {
                assertTrue(socketCounters.contains(line), "not under the socket counters: " + line);
            }
        }
    }
}
