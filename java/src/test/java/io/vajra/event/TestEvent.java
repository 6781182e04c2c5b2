package io.vajra.event;

/** A minimal event: its time, its declared size, and a sequence number to check eids against. */
record TestEvent(long unixNanos, int byteSize, long seq) implements Event {
    static TestEvent at(long unixNanos) {
        return new TestEvent(unixNanos, 100, 0);
    }
}
