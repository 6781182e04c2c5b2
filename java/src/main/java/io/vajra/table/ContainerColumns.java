package io.vajra.table;

import io.vajra.container.CgroupContext;
import io.vajra.container.ContainerNames;

/**
 * The columns that say where a process ran — cgroup, container, pod, pid namespace — the same
 * in every event table. A table adds them to its schema in one place and fills them with
 * {@link #fill}; see docs/containers.md.
 */
final class ContainerColumns {
    private final int cgroupPath;
    private final int containerId;
    private final int containerRuntime;
    private final int containerName;
    private final int podUid;
    private final int isContainerProcess;
    private final int pidNs;
    private final int nsPid;

    /** Adds the columns to {@code schema}, in this order, at its end. */
    ContainerColumns(Schema schema) {
        cgroupPath = schema.add(Column.text("cgroup_path",
                "Cgroup path that named the container, else the cgroup2 path; captured by the kernel"));
        containerId = schema.add(Column.text("container_id",
                "Full 64-hex container id, empty on the host"));
        containerRuntime = schema.add(Column.text("container_runtime",
                "docker, containerd, cri-o, podman, cri (Kubernetes cgroupfs, runtime unnamed), empty on the host"));
        containerName = schema.add(Column.text("container_name",
                "Container name from the runtime's metadata on disk, when it keeps one and it is readable"));
        podUid = schema.add(Column.text("pod_uid",
                "Kubernetes pod uid, empty outside Kubernetes"));
        isContainerProcess = schema.add(Column.integer("is_container_process",
                "1 if the process ran in a container"));
        pidNs = schema.add(Column.bigint("pid_ns",
                "Inode number of the process's pid namespace"));
        nsPid = schema.add(Column.bigint("ns_pid",
                "The process's pid inside its pid namespace (1 for a container's first process)"));
    }

    /**
     * @param cgroup   the event's cgroup context; null (not attributed yet) reads as unknown
     * @param names    where container names are looked up (at query time, cached)
     * @param pidNamespace inode of the pid namespace (unsigned)
     * @param pidInside    the pid inside it (unsigned)
     */
    void fill(Object[] row, CgroupContext cgroup, ContainerNames names, int pidNamespace, int pidInside) {
        CgroupContext c = cgroup == null ? CgroupContext.UNKNOWN : cgroup;
        row[cgroupPath] = c.cgroupPath();
        row[containerId] = c.containerId();
        row[containerRuntime] = c.runtime();
        row[containerName] = names.nameOf(c);
        row[podUid] = c.podUid();
        row[isContainerProcess] = c.inContainer() ? 1L : 0L;
        row[pidNs] = Integer.toUnsignedLong(pidNamespace);
        row[nsPid] = Integer.toUnsignedLong(pidInside);
    }
}
