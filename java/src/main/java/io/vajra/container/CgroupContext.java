package io.vajra.container;

/**
 * Where an event came from, by cgroup: the path, and the container and pod the path
 * names. Shared by every event of the same cgroup (one instance per cgroup).
 *
 * @param cgroupPath  the cgroup path that identified the container, else the cgroup2 path
 * @param containerId full 64-hex id, empty on the host
 * @param runtime     docker, containerd, cri-o, podman, cri (Kubernetes' cgroupfs driver,
 *                    runtime not named by the path), or empty on the host
 * @param podUid      the Kubernetes pod uid, empty outside Kubernetes
 */
public record CgroupContext(String cgroupPath, String containerId, String runtime, String podUid) {
    /** Nothing known: the cgroup's name never arrived (counted as a loss upstream). */
    public static final CgroupContext UNKNOWN = new CgroupContext("", "", "", "");

    public boolean inContainer() {
        return !containerId.isEmpty();
    }
}
