package io.vajra.osquery;

/** A generate request's context is not what osquery sends; the message says what is wrong. */
public final class MalformedContextException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedContextException(String message) {
        super(message);
    }

    MalformedContextException(String message, Throwable cause) {
        super(message, cause);
    }
}
