package io.vajra.osquery;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What osquery (its flags and the {@code "vajra"} section of its configuration) asks of
 * collection. Absent values leave the decision to the command line and its defaults.
 *
 * @param collect             false when osquery runs with {@code --disable_events=true}:
 *                            no probe is loaded and the tables stay empty
 * @param eventsMax           most events kept per table
 * @param eventsExpirySeconds how long events are kept
 * @param argvCap             bytes of arguments kept per exec
 */
public record CollectionPlan(boolean collect, OptionalInt eventsMax, OptionalLong eventsExpirySeconds,
        OptionalLong argvCap) {
}
