package io.vajra.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real containers for tests, from Debian's runc, podman and busybox-static: a busybox
 * root file system, runc bundles with any runtime's cgroup naming (through cgroupsPath),
 * and podman's own containers. Everything lives under one temporary directory, and the
 * cgroup directories runc leaves behind are removed.
 */
final class Containers implements AutoCloseable {
    private static final String[] APPLETS = {"sh", "echo", "true", "sleep", "cat", "ls", "nc"};

    private final Path root;
    private final Path rootfs;
    private final List<String> cgroupPaths = new ArrayList<>();

    Containers(Path root) throws IOException {
        this.root = root;
        this.rootfs = root.resolve("rootfs");
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
    }

    /** A 64-hex container id, unique per call. */
    static String newId() {
        String hex = java.util.UUID.randomUUID().toString().replace("-", "");
        return (hex + hex).substring(0, 64);
    }

    /** Runs {@code args} in a runc container under {@code cgroupsPath} to completion. */
    String runcRun(String id, String cgroupsPath, String... args) throws Exception {
        Path bundle = bundle(id, cgroupsPath, args);
        return exec(List.of("runc", "--root", root.resolve("runc").toString(), "run", "--bundle",
                bundle.toString(), id));
    }

    /** Starts {@code args} in a detached runc container with {@code hostDir} bind-mounted at {@code volume}. */
    void runcStartWithVolume(String id, String cgroupsPath, Path hostDir, String volume, String... args)
            throws Exception {
        Path bundle = bundle(id, cgroupsPath, args);
        Path config = bundle.resolve("config.json");
        String spec = Files.readString(config);
        spec = spec.replaceFirst("\"mounts\": \\[", Matcher.quoteReplacement("\"mounts\": [\n\t\t{\"destination\": \""
                + volume + "\", \"type\": \"bind\", \"source\": \"" + hostDir + "\", \"options\": [\"rbind\", \"rw\"]},"));
        Files.writeString(config, spec);
        startDetached(id, bundle);
    }

    /** Starts {@code args} in a detached runc container; stop it with {@link #runcDelete}. */
    void runcStart(String id, String cgroupsPath, String... args) throws Exception {
        startDetached(id, bundle(id, cgroupsPath, args));
    }

    private void startDetached(String id, Path bundle) throws Exception {
        // The container keeps runc's stdio: give it /dev/null, not a pipe we would wait on.
        Process p = new ProcessBuilder("runc", "--root", root.resolve("runc").toString(), "run", "-d", "--bundle",
                bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("runc run -d " + id + " failed");
        }
    }

    /** `runc exec`: a new process in a running container (the `kubectl exec` case). */
    String runcExec(String id, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("runc", "--root", root.resolve("runc").toString(), "exec", id));
        command.addAll(List.of(args));
        return exec(command);
    }

    void runcDelete(String id) throws Exception {
        exec(List.of("runc", "--root", root.resolve("runc").toString(), "delete", "--force", id));
    }

    /** Runs a podman container with the given name (kept: remove it with {@link #podmanRemove}); returns its id. */
    String podmanRun(String name, String... args) throws Exception {
        Path conf = root.resolve("containers.conf");
        if (!Files.exists(conf)) {
            // Here: runc (crun refuses hybrid cgroups) and rlimits root cannot raise.
            Files.writeString(conf, "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"
                    + "[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
            exec(List.of("sh", "-c", "tar -C " + rootfs + " -c . | CONTAINERS_CONF=" + conf
                    + " podman import - localhost/vajra-test-busybox"));
        }
        Path cidFile = root.resolve("cid-" + name);
        List<String> command = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + conf, "podman", "run",
                "--network", "none", "--name", name, "--cidfile", cidFile.toString(),
                "localhost/vajra-test-busybox"));
        command.addAll(List.of(args));
        exec(command);
        return Files.readString(cidFile).trim();
    }

    void podmanRemove(String name) throws Exception {
        exec(List.of("env", "CONTAINERS_CONF=" + root.resolve("containers.conf"), "podman", "rm", "--force", name));
    }

    private Path bundle(String id, String cgroupsPath, String... args) throws Exception {
        Path bundle = Files.createDirectories(root.resolve("bundle-" + id));
        exec(List.of("runc", "spec", "--bundle", bundle.toString()));
        Path config = bundle.resolve("config.json");
        String spec = Files.readString(config);
        spec = spec.replaceFirst("\"terminal\": true", "\"terminal\": false");
        spec = replaceArray(spec, "args", args);
        spec = spec.replaceFirst("\"path\": \"rootfs\"", Matcher.quoteReplacement("\"path\": \"" + rootfs + "\""));
        spec = spec.replaceFirst("\"linux\": \\{", Matcher.quoteReplacement(
                "\"linux\": {\n\t\t\"cgroupsPath\": \"" + cgroupsPath + "\","));
        Files.writeString(config, spec);
        cgroupPaths.add(cgroupsPath);
        return bundle;
    }

    private static String replaceArray(String json, String key, String[] values) {
        StringBuilder array = new StringBuilder("\"" + key + "\": [");
        for (int i = 0; i < values.length; i++) {
            array.append(i == 0 ? "" : ", ").append('"').append(values[i].replace("\"", "\\\"")).append('"');
        }
        array.append(']');
        Matcher m = Pattern.compile("\"" + key + "\": \\[[^\\]]*\\]").matcher(json);
        return m.replaceFirst(Matcher.quoteReplacement(array.toString()));
    }

    static String exec(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** runc removes a container's leaf cgroup, not its parents: remove what is left, deepest first. */
    @Override
    public void close() {
        for (String path : cgroupPaths) {
            String[] parts = path.replaceFirst("^/", "").split("/");
            for (int depth = parts.length; depth > 0; depth--) {
                String prefix = String.join("/", java.util.Arrays.copyOf(parts, depth));
                try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                    for (Path h : (Iterable<Path>) hierarchies::iterator) {
                        h.resolve(prefix).toFile().delete();
                    }
                } catch (IOException ignored) {
                    // nothing to clean
                }
            }
        }
    }
}
