package io.vajra.osquery;

import io.vajra.osquery.thrift.InternalOptionInfo;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * osqueryd's flags as {@code options()} reports them: every value is a string, and a flag
 * the running osquery build does not define is simply absent.
 */
final class OsqueryOptions {
    static final String DISABLE_EVENTS = "disable_events";
    static final String ENABLE_BPF_EVENTS = "enable_bpf_events";
    static final String EVENTS_MAX = "events_max";
    static final String EVENTS_EXPIRY = "events_expiry";
    static final String CONFIG_PLUGIN = "config_plugin";
    static final String DEFAULT_CONFIG_PLUGIN = "filesystem";

    private final Map<String, InternalOptionInfo> options;
    private final ExtensionLog log;

    OsqueryOptions(Map<String, InternalOptionInfo> options, ExtensionLog log) {
        this.options = options == null ? Map.of() : options;
        this.log = log;
    }

    Optional<String> value(String name) {
        InternalOptionInfo info = options.get(name);
        return info == null || info.getValue() == null ? Optional.empty() : Optional.of(info.getValue().strip());
    }

    /** A boolean flag; absent, or present with a value that is not a boolean (warned), is empty. */
    Optional<Boolean> bool(String name) {
        Optional<String> text = value(name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        switch (text.get().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on":
                return Optional.of(true);
            case "false", "0", "no", "off":
                return Optional.of(false);
            default:
                log.warn("osquery's --" + name + " is \"" + text.get() + "\", not a boolean; ignored");
                return Optional.empty();
        }
    }

    /** A positive integer flag; absent or invalid (warned) is empty. */
    OptionalLong positive(String name, long max) {
        Optional<String> text = value(name);
        if (text.isEmpty() || text.get().isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long value = Long.parseLong(text.get());
            if (value >= 1 && value <= max) {
                return OptionalLong.of(value);
            }
        } catch (NumberFormatException e) {
            // warned below
        }
        log.warn("osquery's --" + name + " is \"" + text.get() + "\", not between 1 and " + max + "; ignored");
        return OptionalLong.empty();
    }

    String configPlugin() {
        return value(CONFIG_PLUGIN).filter(p -> !p.isEmpty()).orElse(DEFAULT_CONFIG_PLUGIN);
    }
}
