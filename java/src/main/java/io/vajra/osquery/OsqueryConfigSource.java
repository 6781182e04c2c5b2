package io.vajra.osquery;

import io.vajra.config.ConfigException;
import io.vajra.config.ConfigSource;
import io.vajra.osquery.thrift.ExtensionResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.thrift.TException;

/**
 * osquery's configuration as its config plugin produces it:
 * {@code call("config", <config_plugin>, {"action":"genConfig"})} on the manager, which
 * answers rows of {@code {source name: JSON text}}.
 */
final class OsqueryConfigSource implements ConfigSource {
    /** Config plugins may fetch over the network (tls): give them time. */
    static final Duration DEADLINE = Duration.ofSeconds(30);

    private final ManagerClient manager;
    private final String plugin;

    OsqueryConfigSource(ManagerClient manager, String plugin) {
        this.manager = manager;
        this.plugin = plugin;
    }

    @Override
    public Map<String, String> read() throws ConfigException {
        ExtensionResponse response;
        try {
            response = manager.call(DEADLINE, m -> m.call("config", plugin, Map.of("action", "genConfig")));
        } catch (TException e) {
            throw new ConfigException("cannot read it from osquery: " + e.getMessage(), e);
        }
        if (response.getStatus() == null || response.getStatus().getCode() != 0) {
            throw new ConfigException("osquery's config plugin " + plugin + " answered: "
                    + (response.getStatus() == null ? "no status" : response.getStatus().getMessage()));
        }
        Map<String, String> sources = new LinkedHashMap<>();
        List<Map<String, String>> rows = response.getResponse() == null ? List.of() : response.getResponse();
        for (Map<String, String> row : rows) {
            // osquery merges the sources of one answer in name order (a std::map): so do we.
            sources.putAll(new TreeMap<>(row));
        }
        return sources;
    }
}
