package io.vajra.container;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Human names of containers, from the runtimes' metadata where it is on disk and
 * readable: Docker's {@code containers/<id>/config.v2.json} ("Name") and podman/CRI-O's
 * {@code overlay-containers/containers.json} ("names"). Looked up when a row is asked for,
 * never on the collector's path, and cached. Empty when the runtime keeps no such file
 * (runc alone, containerd) or it is gone.
 *
 * <p>Threading: synchronized; lookups are rare (once per container).
 */
public final class ContainerNames {
    private static final JsonFactory JSON = new JsonFactory();
    private final Path dockerRoot;
    private final Path containersStorage;
    /** An empty name is checked again after this long: metadata may be written late. */
    private static final long RECHECK_NANOS = 10_000_000_000L;

    private record Known(String name, long checkedNanos) {}

    private final Map<String, Known> cache = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
            return size() > ContainerRegistry.DEFAULT_CAPACITY;
        }
    };

    public ContainerNames(Path dockerRoot, Path containersStorage) {
        this.dockerRoot = dockerRoot;
        this.containersStorage = containersStorage;
    }

    public static ContainerNames system() {
        return new ContainerNames(Path.of("/var/lib/docker"), Path.of("/var/lib/containers/storage"));
    }

    public synchronized String nameOf(CgroupContext context) {
        if (!context.inContainer()) {
            return "";
        }
        long now = System.nanoTime();
        Known known = cache.get(context.containerId());
        if (known != null && (!known.name().isEmpty() || now - known.checkedNanos() < RECHECK_NANOS)) {
            return known.name();
        }
        String name = lookup(context);
        cache.put(context.containerId(), new Known(name, now));
        return name;
    }

    private String lookup(CgroupContext context) {
        String id = context.containerId();
        if ("docker".equals(context.runtime())) {
            return stringField(dockerRoot.resolve("containers").resolve(id).resolve("config.v2.json"), "Name")
                    .replaceFirst("^/", "");
        }
        return nameInContainersJson(containersStorage.resolve("overlay-containers").resolve("containers.json"), id);
    }

    /** A top-level string field of a JSON object file, "" when absent or unreadable. */
    private static String stringField(Path file, String field) {
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "";
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals(name) && value == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
                p.skipChildren();
            }
        } catch (IOException unreadable) {
            // no metadata: the name stays unknown
        }
        return "";
    }

    /** containers.json is an array of {"id": ..., "names": [...]} objects. */
    private static String nameInContainersJson(Path file, String id) {
        if (!Files.isReadable(file)) {
            return "";
        }
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return "";
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String entryId = null;
                String firstName = "";
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if ("id".equals(field) && value == JsonToken.VALUE_STRING) {
                        entryId = p.getText();
                    } else if ("names".equals(field) && value == JsonToken.START_ARRAY) {
                        if (p.nextToken() == JsonToken.VALUE_STRING) {
                            firstName = p.getText();
                        }
                        while (p.currentToken() != JsonToken.END_ARRAY) {
                            p.nextToken();
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                if (id.equals(entryId)) {
                    return firstName;
                }
            }
        } catch (IOException unreadable) {
            // no metadata: the name stays unknown
        }
        return "";
    }
}
