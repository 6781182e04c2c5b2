package io.vajra.event;

import io.vajra.container.CgroupContext;

/** Tells the decoder which cgroup context an event's ids stand for, so an event is built once. */
@FunctionalInterface
public interface CgroupResolver {
    /** A resolver that knows nothing: events keep a null context. */
    CgroupResolver NONE = (cgroupId, cgroupV1Id) -> null;

    CgroupContext contextOf(long cgroupId, long cgroupV1Id);
}
