package io.vajra.osquery;

/** A well-formed query this table cannot answer; the message tells the user why. */
final class RefusedQueryException extends Exception {
    private static final long serialVersionUID = 1L;

    RefusedQueryException(String message) {
        super(message);
    }
}
