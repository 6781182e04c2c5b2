package io.vajra.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.bpf.ProbeSettings;
import io.vajra.table.ContainersTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every event says which container it came from: real runc containers named the way each
 * runtime names its cgroups, real podman containers, and unshare namespaces, asserted on
 * the rows of bpf_process_events and vajra_containers. Runs as root.
 */
class ContainerAttributionE2ETest {
    private static KernelPipeline pipeline;
    private static Containers containers;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("vajra-containers");
        containers = new Containers(dir);
        pipeline = new KernelPipeline(ProbeSettings.defaults());
    }

    @AfterAll
    static void stop() throws Exception {
        pipeline.close();
        containers.close();
        Containers.exec(List.of("rm", "-rf", dir.toString()));
    }

    private static String marker() {
        return "vj-" + UUID.randomUUID();
    }

    /** The exec inside a container whose arguments carry {@code marker} (the runtime's own
     *  command line carries it too, outside the container). Paths are the container's view. */
    private static Map<String, Object> execWith(String marker) {
        return pipeline.awaitOne(r -> "execve".equals(r.get("syscall")) && "0".equals(r.get("exit_code"))
                && ((String) r.get("cmdline")).contains(marker) && "/bin/busybox".equals(r.get("path")));
    }

    @Test
    void eachRuntimesCgroupNamingIsRecognised() throws Exception {
        String podUid = UUID.randomUUID().toString();
        String slicePod = podUid.replace('-', '_');
        List<String[]> cases = new ArrayList<>();
        String id1 = Containers.newId();
        cases.add(new String[] {id1, "/system.slice/docker-" + id1 + ".scope", "docker", ""});
        String id2 = Containers.newId();
        cases.add(new String[] {id2, "/docker/" + id2, "docker", ""});
        String id3 = Containers.newId();
        cases.add(new String[] {id3, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + slicePod
                + ".slice/cri-containerd-" + id3 + ".scope", "containerd", podUid});
        String id4 = Containers.newId();
        cases.add(new String[] {id4, "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + slicePod
                + ".slice/crio-" + id4 + ".scope", "cri-o", podUid});
        String id5 = Containers.newId();
        cases.add(new String[] {id5, "/kubepods/besteffort/pod" + podUid + "/" + id5, "cri", podUid});
        String id6 = Containers.newId();
        cases.add(new String[] {id6, "/libpod_parent/libpod-" + id6, "podman", ""});
        String id7 = Containers.newId();
        cases.add(new String[] {id7, "/machine.slice/libpod-" + id7 + ".scope", "podman", ""});

        for (String[] c : cases) {
            String marker = marker();
            containers.runcRun("vj" + c[0].substring(0, 12), c[1], "/bin/echo", marker);
            Map<String, Object> row = execWith(marker);
            assertEquals(c[0], row.get("container_id"), c[1]);
            assertEquals(c[2], row.get("container_runtime"), c[1]);
            assertEquals(c[3], row.get("pod_uid"), c[1]);
            assertEquals(c[1], row.get("cgroup_path"));
            assertEquals(1L, row.get("is_container_process"));
            assertEquals(1L, row.get("ns_pid"), "the container's first process is pid 1 inside");
            // The exit of that process is attributed too, though runc removed the cgroup at once.
            Map<String, Object> exit = pipeline.awaitOne(r -> "exit".equals(r.get("syscall"))
                    && r.get("pid").equals(row.get("pid")));
            assertEquals(c[0], exit.get("container_id"));
        }
        List<Map<String, Object>> seen = containerRows();
        for (String[] c : cases) {
            assertTrue(seen.stream().anyMatch(r -> c[0].equals(r.get("container_id"))
                    && c[2].equals(r.get("container_runtime")) && (Long) r.get("events") >= 2), c[1] + " in " + seen);
        }
    }

    @Test
    void aContainerThatLivesUnder50msIsAttributed() throws Exception {
        String id = Containers.newId();
        String marker = marker();
        long start = System.nanoTime();
        containers.runcRun("short" + id.substring(0, 8), "/docker/" + id, "/bin/true", marker);
        long millis = (System.nanoTime() - start) / 1_000_000;
        Map<String, Object> row = execWith(marker);
        assertEquals(id, row.get("container_id"));
        Map<String, Object> exit = pipeline.awaitOne(r -> "exit".equals(r.get("syscall"))
                && r.get("pid").equals(row.get("pid")));
        long livedNanos = Long.parseLong((String) exit.get("ntime")) - Long.parseLong((String) row.get("ntime"));
        assertTrue(livedNanos < 50_000_000L, "the process lived " + livedNanos / 1000 + " us; runc took " + millis + " ms");
        assertEquals(id, exit.get("container_id"));
    }

    @Test
    void runcExecIntoARunningContainerIsAttributed() throws Exception {
        String id = Containers.newId();
        String name = "exec" + id.substring(0, 8);
        String path = "/kubepods/besteffort/pod" + UUID.randomUUID() + "/" + id;
        containers.runcStart(name, path, "/bin/sleep", "30");
        try {
            String marker = marker();
            containers.runcExec(name, "/bin/echo", marker);
            Map<String, Object> row = execWith(marker);
            assertEquals(id, row.get("container_id"));
            assertNotEquals(1L, row.get("ns_pid"), "an exec'd process is not the container's init");
        } finally {
            containers.runcDelete(name);
        }
    }

    @Test
    void socketEventsInsideAContainerAreAttributed() throws Exception {
        String id = Containers.newId();
        // The container has its own network namespace with lo down: the connect fails,
        // and both the socket and the connect are still rows of that container.
        containers.runcRun("sock" + id.substring(0, 8), "/docker/" + id, "/bin/sh", "-c",
                "nc -w 1 127.0.0.1 9 </dev/null; true");
        Map<String, Object> socket = pipeline.awaitSocket(1, r -> id.equals(r.get("container_id"))
                && "socket".equals(r.get("syscall"))).get(0);
        Map<String, Object> connect = pipeline.awaitSocket(1, r -> id.equals(r.get("container_id"))
                && "connect".equals(r.get("syscall"))).get(0);
        for (Map<String, Object> row : List.of(socket, connect)) {
            assertEquals("docker", row.get("container_runtime"));
            assertEquals(1L, row.get("is_container_process"));
        }
        assertEquals("127.0.0.1", connect.get("remote_address"));
        assertEquals(9L, ((Number) connect.get("remote_port")).longValue());
        assertNotEquals("0", connect.get("exit_code"), "nothing listens in the container's own network");
    }

    @Test
    void podmanContainersAreNamed() throws Exception {
        String marker = marker();
        String name = "vajra-test-" + UUID.randomUUID().toString().substring(0, 8);
        String id = containers.podmanRun(name, "/bin/echo", marker);
        try {
            Map<String, Object> row = execWith(marker);
            assertEquals(id, row.get("container_id"));
            assertEquals("podman", row.get("container_runtime"));
            assertEquals(name, row.get("container_name"), "from podman's containers.json");
        } finally {
            containers.podmanRemove(name);
        }
    }

    @Test
    void hostProcessesAndBareNamespacesAreNotContainers() throws Exception {
        String marker = marker();
        Process p = KernelPipeline.run(dir, "/bin/echo", marker);
        Map<String, Object> host = pipeline.awaitOne(r -> r.get("pid").equals(p.pid())
                && "/usr/bin/echo".equals(r.get("path")) && "execve".equals(r.get("syscall")));
        assertEquals("", host.get("container_id"));
        assertEquals("", host.get("container_runtime"));
        assertEquals(0L, host.get("is_container_process"));

        String nsMarker = marker();
        KernelPipeline.run(dir, "unshare", "--pid", "--fork", "--mount-proc", "/bin/echo", nsMarker);
        Map<String, Object> ns = pipeline.awaitOne(r -> "/usr/bin/echo".equals(r.get("path"))
                && "execve".equals(r.get("syscall")) && ((String) r.get("cmdline")).contains(nsMarker));
        assertEquals("", ns.get("container_id"), "a namespace without a runtime's cgroup is not a container");
        assertEquals(1L, ns.get("ns_pid"));
        assertNotEquals(host.get("pid_ns"), ns.get("pid_ns"));
    }

    private static List<Map<String, Object>> containerRows() {
        ContainersTable table = new ContainersTable(pipeline.collector.containers());
        List<Map<String, Object>> rows = new ArrayList<>();
        table.generate(io.vajra.table.QueryConstraints.NONE, row -> {
            Map<String, Object> named = new java.util.LinkedHashMap<>();
            for (int i = 0; i < table.columns().size(); i++) {
                named.put(table.columns().get(i).name(), row[i]);
            }
            rows.add(named);
            return true;
        });
        return rows;
    }
}
