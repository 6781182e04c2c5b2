package io.vajra.config;

import java.util.Map;

/** Where configuration text comes from: source name -> JSON text, in osquery's order. */
@FunctionalInterface
public interface ConfigSource {
    /** @throws ConfigException when the configuration cannot be fetched */
    Map<String, String> read() throws ConfigException;
}
