package io.vajra.shell;

import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.StoreSettings;
import io.vajra.table.ProcessEventsTable;
import io.vajra.table.VajraStatsTable;
import io.vajra.testing.ProcessEventBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.List;

/** A shell over a real store and tables (no collector), with captured output. */
final class ShellFixture implements AutoCloseable {
    final EventStore<ProcessEvent> store;
    final LiveDatabase database;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final Shell shell;

    ShellFixture(OutputMode mode) throws SQLException {
        this(mode, StoreSettings.defaults());
    }

    ShellFixture(OutputMode mode, StoreSettings settings) throws SQLException {
        store = new EventStore<>(settings);
        database = new LiveDatabase(List.of(
                new ProcessEventsTable(store, () -> ProcessEventBuilder.BOOT_TO_UNIX),
                VajraStatsTable.builder().family("process", null, null, null, store).build()));
        shell = new Shell(database, new PrintWriter(out), new PrintWriter(err), mode);
    }

    /** An event stamped with the real clock, so the store keeps it and time filters see it. */
    static ProcessEventBuilder now() {
        return ProcessEventBuilder.exec().unixNanos(System.currentTimeMillis() * 1_000_000L);
    }

    String run(String input) throws IOException {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        shell.runLines(new BufferedReader(new StringReader(input)));
        return out.toString();
    }

    @Override
    public void close() throws SQLException {
        database.close();
    }
}
