package io.vajra.config;

/**
 * The latest valid Vajra configuration, for features that follow it: read {@link #current()}
 * at start, {@link #subscribe} to hear of changes.
 */
public interface LiveConfig {
    VajraConfig current();

    void subscribe(ConfigListener listener);
}
