package io.vajra.config;

import io.vajra.fim.FimConfig;
import io.vajra.log.LogConfig;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Vajra's own settings from the {@code "vajra"} section of osquery's configuration.
 * Immutable; an absent value means the section did not set it.
 *
 * @param argvCap             bytes of arguments kept per exec
 * @param eventsMax           most events kept per table
 * @param eventsExpirySeconds how long events are kept
 * @param tablePrefix         prefix for table names osquery already owns
 * @param unknownKeys         keys this version does not know, with their raw JSON value
 * @param fim                 file integrity monitoring: osquery's top-level {@code file_paths},
 *                            {@code exclude_paths} and {@code file_accesses}
 * @param logs                application log sources ({@code vajra.log_files})
 */
public record VajraConfig(OptionalLong argvCap, OptionalInt eventsMax, OptionalLong eventsExpirySeconds,
        Optional<String> tablePrefix, Map<String, String> unknownKeys, FimConfig fim, LogConfig logs) {
    public static final VajraConfig EMPTY = new VajraConfig(OptionalLong.empty(), OptionalInt.empty(),
            OptionalLong.empty(), Optional.empty(), Map.of(), FimConfig.EMPTY, LogConfig.EMPTY);

    /** The {@code vajra} section's scalar settings alone, without FIM settings or log sources. */
    public VajraConfig(OptionalLong argvCap, OptionalInt eventsMax, OptionalLong eventsExpirySeconds,
            Optional<String> tablePrefix, Map<String, String> unknownKeys) {
        this(argvCap, eventsMax, eventsExpirySeconds, tablePrefix, unknownKeys, FimConfig.EMPTY, LogConfig.EMPTY);
    }

    /** Without log sources. */
    public VajraConfig(OptionalLong argvCap, OptionalInt eventsMax, OptionalLong eventsExpirySeconds,
            Optional<String> tablePrefix, Map<String, String> unknownKeys, FimConfig fim) {
        this(argvCap, eventsMax, eventsExpirySeconds, tablePrefix, unknownKeys, fim, LogConfig.EMPTY);
    }

    public VajraConfig {
        Objects.requireNonNull(argvCap, "argvCap");
        Objects.requireNonNull(eventsMax, "eventsMax");
        Objects.requireNonNull(eventsExpirySeconds, "eventsExpirySeconds");
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        Objects.requireNonNull(fim, "fim");
        Objects.requireNonNull(logs, "logs");
        // Sorted so equal sections compare and print equal whatever the source order.
        unknownKeys = Map.copyOf(new TreeMap<>(unknownKeys));
    }

    public boolean isEmpty() {
        return equals(EMPTY);
    }
}
