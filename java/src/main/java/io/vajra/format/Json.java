package io.vajra.format;

import com.fasterxml.jackson.core.JsonFactory;

/** The one Jackson factory: thread-safe and costly to build, so shared. */
public final class Json {
    public static final JsonFactory FACTORY = JsonFactory.builder().build();

    private Json() {}
}
