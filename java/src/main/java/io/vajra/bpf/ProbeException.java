package io.vajra.bpf;

/** The probes could not be loaded or attached; the message says why and what to do. */
public final class ProbeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProbeException(String message) {
        super(message);
    }

    public ProbeException(String message, Throwable cause) {
        super(message, cause);
    }
}
