package io.vajra.config;

/** Told about every new valid configuration; called on the monitor's thread, so keep it short. */
@FunctionalInterface
public interface ConfigListener {
    void configChanged(VajraConfig previous, VajraConfig current);
}
