package io.vajra.bpf;

/**
 * The name of a cgroup as the kernel sent it, ahead of the first event carrying its id.
 *
 * @param id        the cgroup's kernfs id (an event's cgroupId or cgroupV1Id)
 * @param hierarchy 0 for cgroup2; n > 0 for the v1 hierarchy of subsystem n - 1
 * @param path      absolute path within its hierarchy, raw bytes
 */
public record CgroupName(long id, int hierarchy, byte[] path) {}
