package io.vajra.table;

import io.vajra.container.ContainerRegistry;
import java.util.List;

/**
 * vajra_containers: every container Vajra has seen an event from, with when it was first
 * and last seen and how many events it produced.
 */
public final class ContainersTable implements Table {
    public static final String NAME = "vajra_containers";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final Schema SCHEMA = new Schema();
    private static final int CONTAINER_ID = SCHEMA.add(Column.text("container_id", "Full 64-hex container id"));
    private static final int RUNTIME = SCHEMA.add(Column.text("container_runtime",
            "docker, containerd, cri-o, podman or cri"));
    private static final int NAME_COLUMN = SCHEMA.add(Column.text("container_name",
            "Name from the runtime's metadata on disk, empty when none is readable"));
    private static final int POD_UID = SCHEMA.add(Column.text("pod_uid", "Kubernetes pod uid, empty outside Kubernetes"));
    private static final int CGROUP_PATH = SCHEMA.add(Column.text("cgroup_path", "The cgroup path that named it"));
    private static final int FIRST_SEEN = SCHEMA.add(Column.bigint("first_seen", "UNIX time of its first event"));
    private static final int LAST_SEEN = SCHEMA.add(Column.bigint("last_seen", "UNIX time of its latest event"));
    private static final int EVENTS = SCHEMA.add(Column.bigint("events", "Events seen from it"));
    private static final List<Column> COLUMNS = SCHEMA.columns();

    private final ContainerRegistry registry;

    public ContainersTable(ContainerRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Column> columns() {
        return COLUMNS;
    }

    @Override
    public void generate(QueryConstraints constraints, RowSink sink) {
        for (ContainerRegistry.Seen seen : registry.snapshot()) {
            Object[] row = new Object[COLUMNS.size()];
            row[CONTAINER_ID] = seen.context().containerId();
            row[RUNTIME] = seen.context().runtime();
            row[NAME_COLUMN] = seen.name();
            row[POD_UID] = seen.context().podUid();
            row[CGROUP_PATH] = seen.context().cgroupPath();
            row[FIRST_SEEN] = Math.floorDiv(seen.firstSeenNanos(), NANOS_PER_SECOND);
            row[LAST_SEEN] = Math.floorDiv(seen.lastSeenNanos(), NANOS_PER_SECOND);
            row[EVENTS] = seen.events();
            if (!sink.accept(row)) {
                return;
            }
        }
    }
}
