package io.vajra.cli;

import io.vajra.container.ContainerNames;
import io.vajra.container.ContainerRegistry;
import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.SocketEvent;
import io.vajra.fim.FileChange;
import io.vajra.table.ContainersTable;
import io.vajra.table.FileEventsTable;
import io.vajra.table.LogEventsTable;
import io.vajra.log.LogLine;
import io.vajra.table.ProcessEventsTable;
import io.vajra.table.SocketEventsTable;
import io.vajra.table.Table;
import io.vajra.table.VajraStatsTable;
import java.util.List;

/** The tables Vajra serves, the same in the standalone shell and in osquery. */
final class VajraTables {
    private VajraTables() {}

    /** Tables over running probes. */
    static List<Table> live(EventStore<ProcessEvent> processes, EventStore<SocketEvent> sockets,
            FileMonitoring files, LogMonitoring logs, Probes probes) {
        return List.of(
                new ProcessEventsTable(processes, probes::bootToUnixNanos),
                new SocketEventsTable(sockets),
                new FileEventsTable(files.store()),
                new LogEventsTable(logs.store()),
                VajraStatsTable.builder()
                        .family("process", probes::counters, probes::ringBytes, probes::knownProcesses, processes)
                        .family("socket", null, null, null, sockets)
                        .family("file", null, null, null, files.store())
                        .collectorCounters("file", files::counters)
                        .family("log", null, null, null, logs.store())
                        .collectorCounters("log", logs::counters)
                        .containers(probes.containers(), probes::cgroupNamesKnown)
                        .build(),
                new ContainersTable(probes.containers()));
    }

    /** The same tables, empty, when nothing is collected (osquery's disable_events). */
    static List<Table> idle(EventStore<ProcessEvent> processes, EventStore<SocketEvent> sockets,
            EventStore<FileChange> files, EventStore<LogLine> logs) {
        return List.of(
                new ProcessEventsTable(processes, () -> 0),
                new SocketEventsTable(sockets),
                new FileEventsTable(files),
                new LogEventsTable(logs),
                VajraStatsTable.builder()
                        .family("process", null, null, null, processes)
                        .family("socket", null, null, null, sockets)
                        .family("file", null, null, null, files)
                        .family("log", null, null, null, logs)
                        .build(),
                new ContainersTable(new ContainerRegistry(1, ContainerNames.system())));
    }
}
