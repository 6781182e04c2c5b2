package io.vajra.container;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the container and pod out of a cgroup path, by the naming each runtime uses:
 *
 * <pre>
 * docker, systemd driver     /system.slice/docker-ID.scope
 * docker, cgroupfs driver    /docker/ID
 * Kubernetes + containerd    /kubepods.slice/kubepods-QOS.slice/kubepods-QOS-podUID.slice/cri-containerd-ID.scope
 * Kubernetes + CRI-O         .../crio-ID.scope
 * Kubernetes, cgroupfs       /kubepods/QOS/podUID/ID        (runtime from its state directory)
 * podman                     /libpod_parent/libpod-ID, /machine.slice/libpod-ID.scope
 * </pre>
 *
 * ID is 64 hex digits; UID uses '_' for '-' in systemd slice names. The monitor
 * processes of CRI-O and podman (crio-conmon-ID, libpod-conmon-ID) are not in the
 * container and are not attributed to it. Stateless.
 */
public final class ContainerNaming {
    private static final String ID = "([0-9a-f]{64})";
    private static final Pattern SCOPED = Pattern.compile(
            "(docker|cri-containerd|crio|libpod)-" + ID + "(?:\\.scope)?");
    private static final Pattern BARE_ID = Pattern.compile(ID);
    private static final Pattern POD_SLICE = Pattern.compile(
            "kubepods(?:-(?:besteffort|burstable|guaranteed))?-pod([0-9a-f_]{36})\\.slice");
    private static final Pattern POD_DIR = Pattern.compile("pod([0-9a-f-]{36})");

    /** Where CRI runtimes keep a container's state, to name the runtime of a cgroupfs path. */
    private static final String CONTAINERD_TASKS = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/";
    private static final String CRIO_CONTAINERS = "/var/lib/containers/storage/overlay-containers/";

    private ContainerNaming() {}

    /**
     * The context of a process whose cgroup2 path is {@code v2Path} and v1 path (in the
     * followed hierarchy) {@code v1Path}; either may be empty when unknown. A container
     * named by either path wins; the cgroup2 path is reported otherwise.
     */
    public static CgroupContext parse(String v2Path, String v1Path) {
        CgroupContext fromV2 = parseOne(v2Path);
        if (fromV2.inContainer() || v1Path.isEmpty()) {
            return fromV2;
        }
        CgroupContext fromV1 = parseOne(v1Path);
        return fromV1.inContainer() ? fromV1 : fromV2;
    }

    static CgroupContext parseOne(String path) {
        if (path.isEmpty()) {
            return CgroupContext.UNKNOWN;
        }
        String[] parts = path.split("/");
        String podUid = "";
        String id = "";
        String runtime = "";
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            Matcher m;
            if ((m = POD_SLICE.matcher(part)).matches()) {
                podUid = m.group(1).replace('_', '-');
            } else if ((m = POD_DIR.matcher(part)).matches()) {
                podUid = m.group(1);
            } else if ((m = SCOPED.matcher(part)).matches()) {
                id = m.group(2);
                runtime = runtimeOfPrefix(m.group(1));
            } else if (BARE_ID.matcher(part).matches() && i > 0) {
                id = part;
                runtime = "docker".equals(parts[i - 1]) ? "docker" : podUid.isEmpty() ? "" : criRuntimeOf(part);
                if (runtime.isEmpty()) {
                    id = ""; // a bare id outside docker/ or a pod: not a naming we know
                }
            }
        }
        return new CgroupContext(path, id, runtime, id.isEmpty() ? "" : podUid);
    }

    private static String runtimeOfPrefix(String prefix) {
        switch (prefix) {
            case "docker":
                return "docker";
            case "cri-containerd":
                return "containerd";
            case "crio":
                return "cri-o";
            default:
                return "podman";
        }
    }

    /** Kubernetes' cgroupfs driver does not name the runtime: its state directory does. */
    private static String criRuntimeOf(String id) {
        if (Files.isDirectory(Path.of(CONTAINERD_TASKS + id))) {
            return "containerd";
        }
        if (Files.isDirectory(Path.of(CRIO_CONTAINERS + id))) {
            return "cri-o";
        }
        return "cri";
    }
}
