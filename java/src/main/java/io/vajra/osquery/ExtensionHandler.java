package io.vajra.osquery;

import io.vajra.osquery.thrift.Extension;
import io.vajra.osquery.thrift.ExtensionResponse;
import io.vajra.osquery.thrift.ExtensionStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code Extension} service osqueryd calls on {@code <socket>.<uuid>}: ping, the table
 * plugins, shutdown. Every failure becomes a status with code 1 and a message; no exception
 * leaves a call, so a bad request never costs the connection, let alone collection.
 *
 * <p>{@code shutdown()} only records the request on the calling thread; {@link
 * ExtensionProcessor} acts on it once the reply has been written, so osqueryd gets its
 * answer before the extension goes away.
 *
 * <p>Thread-safe: osqueryd opens a connection per call, several at once.
 */
final class ExtensionHandler implements Extension.Iface {
    private final Map<String, TablePlugin> tables;
    private final ExtensionLog log;
    private final long uuid;
    private final ThreadLocal<Boolean> shutdownAsked = ThreadLocal.withInitial(() -> false);

    ExtensionHandler(List<TablePlugin> tables, long uuid, ExtensionLog log) {
        Map<String, TablePlugin> byName = new LinkedHashMap<>();
        for (TablePlugin t : tables) {
            byName.put(t.name(), t);
        }
        this.tables = Map.copyOf(byName);
        this.uuid = uuid;
        this.log = log;
    }

    @Override
    public ExtensionStatus ping() {
        return new ExtensionStatus(0, TablePlugin.SUCCESS_MESSAGE, uuid);
    }

    @Override
    public ExtensionResponse call(String registry, String item, Map<String, String> request) {
        ExtensionResponse response;
        try {
            response = dispatch(registry, item, request);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug must cost one query, not the extension.
            log.warn("call " + registry + "/" + item + " failed: " + e);
            response = TablePlugin.failure("Vajra failed to answer " + registry + "/" + item + ": " + e);
        }
        if (response.getStatus().getCode() != 0) {
            log.detail("refused " + registry + "/" + item + ": " + response.getStatus().getMessage());
        }
        response.getStatus().setUuid(uuid);
        return response;
    }

    private ExtensionResponse dispatch(String registry, String item, Map<String, String> request) {
        if (!"table".equals(registry)) {
            return TablePlugin.failure("Vajra has no " + registry + " plugins, only tables");
        }
        TablePlugin table = item == null ? null : tables.get(item);
        if (table == null) {
            return TablePlugin.failure("Vajra has no table named " + item + " (it serves "
                    + String.join(", ", tables.keySet()) + ")");
        }
        if (request == null) {
            return TablePlugin.failure("the request to table " + item + " is missing");
        }
        return table.call(request);
    }

    @Override
    public void shutdown() {
        log.detail("osquery asked the extension to shut down");
        shutdownAsked.set(true);
    }

    /** Whether shutdown() was called on this thread since the last look; clears it. */
    boolean takeShutdownRequest() {
        boolean asked = shutdownAsked.get();
        if (asked) {
            shutdownAsked.set(false);
        }
        return asked;
    }
}
