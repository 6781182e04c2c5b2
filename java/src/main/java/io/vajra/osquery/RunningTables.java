package io.vajra.osquery;

import io.vajra.config.LiveConfig;
import io.vajra.table.Table;
import java.util.List;

/**
 * The tables the extension serves and whatever feeds them (the collector, when one runs).
 * {@link #close()} stops collection and detaches every probe; it may be called more than once.
 */
public interface RunningTables extends AutoCloseable {
    List<Table> tables();

    /** One line for the log: what is collected and within which limits. */
    String summary();

    @Override
    void close();

    /** Builds the tables and starts collecting as the plan says. */
    @FunctionalInterface
    interface Starter {
        /**
         * @param config osquery's configuration, for tables that follow its changes
         * @throws io.vajra.bpf.ProbeException when the kernel refuses the probes
         * @throws IllegalArgumentException    when a setting is out of range
         */
        RunningTables start(CollectionPlan plan, LiveConfig config);
    }
}
