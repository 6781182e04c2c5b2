package io.vajra.osquery;

import static io.vajra.testing.ProcessEventBuilder.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vajra.event.EventStore;
import io.vajra.event.ProcessEvent;
import io.vajra.event.StoreSettings;
import io.vajra.osquery.thrift.Extension;
import io.vajra.osquery.thrift.ExtensionStatus;
import io.vajra.table.ProcessEventsTable;
import io.vajra.testing.ProcessEventBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TList;
import org.apache.thrift.protocol.TMap;
import org.apache.thrift.protocol.TType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extension's side of the row path as osqueryd drives it: a generate call over a new
 * UNIX socket connection, 50,000 full-width process rows selected, formatted and written.
 * The client reads the answer without building Java maps (osqueryd's C++ does that part),
 * but checks the row count and width. How fast this is belongs to bench/osquery-bench.sh,
 * not to a test: a timing assertion would only measure how busy the machine is.
 */
class GenerateOverSocketTest {
    private static final int ROWS = 50_000;

    @TempDir
    Path dir;

    @Test
    void fiftyThousandFullRowsArriveWhole() throws Exception {
        long now = System.currentTimeMillis() * 1_000_000L;
        EventStore<ProcessEvent> store = new EventStore<>(new StoreSettings(ROWS, 1L << 30, 3600));
        List<ProcessEvent> batch = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            batch.add(ProcessEventBuilder.exec().pid(1000 + i).unixNanos(now)
                    .path("/usr/lib/jvm/java-17-openjdk-amd64/bin/java").cwd("/home/user/projects/vajra")
                    .argv(bytes("java\0-cp\0target/classes:lib/*\0io.vajra.cli.Main\0shell\0"), 5).build());
        }
        store.appendAll(batch);
        ProcessEventsTable table = new ProcessEventsTable(store, () -> ProcessEventBuilder.BOOT_TO_UNIX);
        ExtensionLog log = new ExtensionLog(new PrintWriter(new StringWriter()), false);
        TablePlugin plugin = new TablePlugin(table, ProcessEventsTable.NAME, new ReaderCursors(16, (t, r) -> { }), log);
        ExtensionHandler handler = new ExtensionHandler(List.of(plugin), 7, log);
        Path socket = dir.resolve("ext.7");
        try (ExtensionServer server = ExtensionServer.start(socket, new ExtensionProcessor(handler, () -> { }))) {
            for (int round = 0; round < 2; round++) { // a second call on a new connection, as osqueryd does
                int[] shape = generate(socket);
                assertEquals(ROWS, shape[0]);
                assertEquals(table.columns().size(), shape[1], "every column of a full row");
            }
        }
    }

    /** Calls generate with every column used; returns {rows, width of the first row}. */
    private static int[] generate(Path socket) throws Exception {
        UnixSocketTransport transport = UnixSocketTransport.connect(socket);
        try {
            TBinaryProtocol protocol = new TBinaryProtocol(transport);
            new Extension.Client(protocol).send_call("table", ProcessEventsTable.NAME,
                    Map.of("action", "generate", "context", "{\"constraints\":[]}"));
            protocol.readMessageBegin();
            protocol.readStructBegin(); // call_result
            protocol.readFieldBegin(); // success
            protocol.readStructBegin(); // ExtensionResponse
            int[] shape = {-1, -1};
            byte[] scratch = new byte[4096];
            for (TField field = protocol.readFieldBegin(); field.type != TType.STOP; field = protocol.readFieldBegin()) {
                if (field.id == 1) {
                    ExtensionStatus status = new ExtensionStatus();
                    status.read(protocol);
                    assertEquals(0, status.getCode(), status.getMessage());
                } else {
                    TList rows = protocol.readListBegin();
                    shape[0] = rows.size;
                    for (int i = 0; i < rows.size; i++) {
                        TMap row = protocol.readMapBegin();
                        if (i == 0) {
                            shape[1] = row.size;
                        }
                        for (int k = 0; k < 2 * row.size; k++) {
                            int length = protocol.readI32();
                            if (length > scratch.length) {
                                scratch = new byte[length];
                            }
                            transport.readAll(scratch, 0, length);
                        }
                    }
                }
            }
            return shape;
        } finally {
            transport.close();
        }
    }
}
