package io.vajra.cli;

import io.vajra.osquery.ExtensionLog;
import io.vajra.osquery.ExtensionRuntime;
import io.vajra.osquery.ExtensionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code vajra extension}: run as an osquery extension. Accepts exactly what osqueryd (and
 * osqueryi's {@code --extension}) passes, {@code [--verbose] --socket P --timeout N
 * --interval N} with {@code OSQUERY_EXTENSION} in the environment, plus Vajra's own options.
 * Anything else is reported and ignored: a newer osqueryd must not stop Vajra from starting.
 */
@Command(name = "extension", mixinStandardHelpOptions = true,
        description = {"Run as an osquery extension: register the tables with osqueryd and serve them.",
            "osqueryd starts it with --socket, --timeout and --interval (see docs/osquery.md)."})
final class ExtensionCommand implements Callable<Integer> {
    static final String OSQUERY_PID_VARIABLE = "OSQUERY_EXTENSION";
    private static final String JUL_FORMAT = "java.util.logging.SimpleFormatter.format";

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    CollectorOptions collector;

    @Option(names = "--socket", paramLabel = "PATH", required = true,
            description = "osqueryd's extension manager socket (osqueryd passes it).")
    Path socket;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3", converter = SecondsText.class,
            description = "How long to wait for osqueryd to answer at start (default: ${DEFAULT-VALUE} s).")
    Duration timeout;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "3", converter = SecondsText.class,
            description = "How often to check that osqueryd is still there (default: ${DEFAULT-VALUE} s).")
    Duration interval;

    @Option(names = "--verbose", description = "Log more (osqueryd passes it when it is verbose).")
    boolean verbose;

    @Option(names = "--table-prefix", paramLabel = "PREFIX",
            description = "Prefix for table names osquery already owns (default: the config's vajra.table_prefix, else "
                    + ExtensionSettings.DEFAULT_TABLE_PREFIX + ").")
    String tablePrefix;

    @Option(names = "--config-refresh", paramLabel = "DURATION", defaultValue = "60s", converter = DurationText.class,
            description = "How often osquery's configuration is re-read (default: ${DEFAULT-VALUE}).")
    Duration configRefresh;

    @Unmatched
    List<String> unknown = new ArrayList<>();

    @Override
    public Integer call() {
        plainJavaLogging();
        ExtensionLog log = new ExtensionLog(main.err(), verbose);
        if (!unknown.isEmpty()) {
            log.warn("ignoring arguments Vajra does not know: " + String.join(" ", unknown));
        }
        if (tablePrefix != null && !tablePrefix.matches("[A-Za-z_][A-Za-z0-9_]{0,31}")) {
            log.info("--table-prefix must be letters, digits and _ (at most 32), not \"" + tablePrefix + "\"");
            return Main.EXIT_USAGE;
        }
        ExtensionSettings settings;
        try {
            settings = new ExtensionSettings(socket, timeout, interval, verbose, System.getenv(OSQUERY_PID_VARIABLE),
                    Optional.ofNullable(tablePrefix), configRefresh, Main.version());
        } catch (IllegalArgumentException e) {
            log.info(e.getMessage());
            return Main.EXIT_USAGE;
        }
        ExtensionTables.Explicit explicit = new ExtensionTables.Explicit(given("--events-max"),
                given("--events-expiry"), given("--argv-cap"));
        Probes.Launcher launcher = main.launcher();
        return new ExtensionRuntime(settings,
                (plan, config) -> ExtensionTables.start(plan, config, collector, explicit, launcher, log::info), log).run();
    }

    /**
     * osqueryd copies our stderr into its log line by line: the collector's java.util.logging
     * warnings should be plain lines too, not JUL's two-line default with a timestamp.
     */
    private static void plainJavaLogging() {
        if (System.getProperty(JUL_FORMAT) == null) {
            System.setProperty(JUL_FORMAT, "%5$s%6$s%n");
        }
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }
}
