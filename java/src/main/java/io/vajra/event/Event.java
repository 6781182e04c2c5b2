package io.vajra.event;

/** What the event store needs of every event it keeps. */
public interface Event {
    /** Kernel time of the event, converted once to UNIX nanoseconds. */
    long unixNanos();

    /** Approximate heap bytes held by this event, for the store's byte budget. */
    int byteSize();
}
