package io.vajra.osquery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the extension was started: what osqueryd passes ({@code --socket}, {@code --timeout},
 * {@code --interval}, {@code --verbose}, {@code OSQUERY_EXTENSION}) and Vajra's own options.
 *
 * @param socket        osqueryd's extension manager socket
 * @param timeout       how long to wait for the manager to answer at start-up
 * @param interval      how often to check that the manager is still there
 * @param osqueryPid    osqueryd's pid from {@code OSQUERY_EXTENSION}, or null
 * @param tablePrefix   the prefix given on the command line, or empty to use the
 *                      configuration's or {@link #DEFAULT_TABLE_PREFIX}
 * @param configRefresh how often osquery's configuration is re-read
 * @param version       Vajra's version, registered with osquery
 */
public record ExtensionSettings(Path socket, Duration timeout, Duration interval, boolean verbose,
        String osqueryPid, Optional<String> tablePrefix, Duration configRefresh, String version) {
    public static final String DEFAULT_TABLE_PREFIX = "vajra_";

    public ExtensionSettings {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        Objects.requireNonNull(configRefresh, "configRefresh");
        Objects.requireNonNull(version, "version");
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("--interval must be more than 0 seconds");
        }
        if (configRefresh.isZero() || configRefresh.isNegative()) {
            throw new IllegalArgumentException("--config-refresh must be more than 0 seconds");
        }
    }
}
