package io.vajra.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Cgroup paths as runtimes write them, and paths that only look like containers. */
class ContainerNamingTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String UID = "8f0c2a4e-1b2c-4d5e-9f00-112233445566";

    private static CgroupContext parse(String path) {
        return ContainerNaming.parse(path, "");
    }

    @Test
    void dockerBothDrivers() {
        assertEquals(new CgroupContext("/system.slice/docker-" + ID + ".scope", ID, "docker", ""),
                parse("/system.slice/docker-" + ID + ".scope"));
        assertEquals(new CgroupContext("/docker/" + ID, ID, "docker", ""), parse("/docker/" + ID));
    }

    @Test
    void kubernetesPodUidComesBackWithDashes() {
        String path = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID.replace('-', '_')
                + ".slice/cri-containerd-" + ID + ".scope";
        assertEquals(new CgroupContext(path, ID, "containerd", UID), parse(path));
        String guaranteed = "/kubepods.slice/kubepods-pod" + UID.replace('-', '_') + ".slice/crio-" + ID + ".scope";
        assertEquals(new CgroupContext(guaranteed, ID, "cri-o", UID), parse(guaranteed));
    }

    @Test
    void monitorsOfTheContainerAreNotInIt() {
        assertEquals("", parse("/machine.slice/libpod-conmon-" + ID + ".scope").containerId());
        assertEquals("", parse("/kubepods.slice/crio-conmon-" + ID + ".scope").containerId());
    }

    @Test
    void hostPathsAndLookAlikesAreNotContainers() {
        assertEquals(new CgroupContext("/", "", "", ""), parse("/"));
        assertEquals("", parse("/user.slice/user-0.slice/session-1.scope").containerId());
        // 64 hex digits outside docker/ or a pod directory: not a naming we know.
        assertEquals("", parse("/myapp/" + ID).containerId());
        // This machine's own sandbox cgroup: 32 hex digits.
        assertEquals("", parse("/process_api/999ace69f44df6b73d5c1f8351464efe").containerId());
    }

    @Test
    void theV1PathNamesTheContainerWhenCgroup2DoesNot() {
        assertEquals(new CgroupContext("/docker/" + ID, ID, "docker", ""), ContainerNaming.parse("/", "/docker/" + ID));
        assertEquals(new CgroupContext("/", "", "", ""), ContainerNaming.parse("/", "/process_api/x"));
    }
}
