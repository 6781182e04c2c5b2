package io.vajra.table;

import io.vajra.event.EventStore;
import io.vajra.event.StoreStats;

/**
 * A table backed by an event store: rows carry an {@code eid} column, eids only grow, and old
 * events leave from the low end. Lets a mirror (the shell's SQLite copy) sync incrementally.
 */
public interface EventTable extends Table {
    String EID = "eid";

    /**
     * Chooses the events the query wants without formatting any: the rows are made one at a
     * time as they are read, so a large answer never exists all at once.
     */
    @Override
    SelectedRows select(QueryConstraints constraints);

    @Override
    default void generate(QueryConstraints constraints, RowSink sink) {
        select(constraints).sendTo(sink);
    }

    /** The store the rows come from. */
    EventStore<?> store();

    /**
     * The eids held right now, inclusive: {@code min} is the oldest held, {@code max} the last
     * assigned; {@code min > max} when the store is empty.
     */
    default LongBounds heldEids() {
        StoreStats stats = store().stats();
        return new LongBounds(stats.oldestEid(), stats.newestEid());
    }
}
