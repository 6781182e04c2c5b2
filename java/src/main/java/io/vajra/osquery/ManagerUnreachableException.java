package io.vajra.osquery;

import org.apache.thrift.TException;

/** Nothing accepted a connection on the manager socket: osqueryd is not (or no longer) there. */
public final class ManagerUnreachableException extends TException {
    private static final long serialVersionUID = 1L;

    ManagerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
