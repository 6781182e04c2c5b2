package io.vajra.event;

/**
 * Bounds of one {@link EventStore}. Whichever limit is reached first evicts the oldest events.
 *
 * @param capacityRows  most events kept (osquery's {@code events_max})
 * @param byteBudget    most bytes kept, as estimated by {@link Event#byteSize()}
 * @param expirySeconds events older than this (by their own time) are dropped
 *                      (osquery's {@code events_expiry})
 */
public record StoreSettings(int capacityRows, long byteBudget, long expirySeconds) {
    public static final int DEFAULT_CAPACITY_ROWS = 50_000;
    public static final long DEFAULT_BYTE_BUDGET = 64L << 20;
    public static final long DEFAULT_EXPIRY_SECONDS = 3600;
    /** Expiry is compared in nanoseconds; this keeps the conversion from overflowing. */
    public static final long MAX_EXPIRY_SECONDS = Long.MAX_VALUE / 1_000_000_000L / 2;

    public StoreSettings {
        if (capacityRows < 1) {
            throw new IllegalArgumentException("events max must be at least 1, not " + capacityRows);
        }
        if (byteBudget < 1) {
            throw new IllegalArgumentException("store byte budget must be at least 1 byte, not " + byteBudget);
        }
        if (expirySeconds < 1 || expirySeconds > MAX_EXPIRY_SECONDS) {
            throw new IllegalArgumentException("events expiry must be between 1 and "
                    + MAX_EXPIRY_SECONDS + " seconds, not " + expirySeconds);
        }
    }

    public static StoreSettings defaults() {
        return new StoreSettings(DEFAULT_CAPACITY_ROWS, DEFAULT_BYTE_BUDGET, DEFAULT_EXPIRY_SECONDS);
    }

    long expiryNanos() {
        return expirySeconds * 1_000_000_000L;
    }
}
