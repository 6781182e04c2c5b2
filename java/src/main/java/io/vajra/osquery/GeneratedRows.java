package io.vajra.osquery;

import io.vajra.table.SelectedRows;
import java.util.AbstractList;
import java.util.Map;
import java.util.RandomAccess;

/**
 * The rows of one generate as the reply's row list: selected and counted by the table, each
 * formatted only when it is written. {@link ResponseWriter} streams them to the socket one at a
 * time, so a large answer is never held whole (50,000 formatted rows would cost hundreds of
 * MiB of heap and the collections that copy them); read as a list (tests, or a protocol other
 * than binary), each element is a {@link RowMap} made on demand.
 *
 * <p>{@link ResponseWriter} tells the {@link Delivery} whether the rows went out whole, which
 * is when a {@code vajra_reader}'s claim is final.
 *
 * <p>Not thread-safe: one per reply.
 */
final class GeneratedRows extends AbstractList<Map<String, String>> implements RandomAccess {
    /** Told once how writing the rows ended. */
    interface Delivery {
        /** Every row was handed to the transport. */
        void delivered(int rows);

        /** Writing stopped part way (a row failed to format, or the peer went away). */
        void undelivered(Throwable cause);
    }

    private final RowLayout layout;
    private final SelectedRows selected;
    private final boolean[] used;
    private final String reader;
    private final Delivery delivery;

    /**
     * @param layout the table's column names, then {@code vajra_reader} for event tables
     * @param used   the columns the query reads, or null for all
     * @param reader the {@code vajra_reader} value, or null
     */
    GeneratedRows(RowLayout layout, SelectedRows selected, boolean[] used, String reader, Delivery delivery) {
        this.layout = layout;
        this.selected = selected;
        this.used = used;
        this.reader = reader;
        this.delivery = delivery;
    }

    @Override
    public int size() {
        return selected.size();
    }

    @Override
    public Map<String, String> get(int index) {
        return new RowMap(layout, selected.row(index), used, reader);
    }

    RowLayout layout() {
        return layout;
    }

    /** Row {@code index}'s values, freshly formatted, aligned with the table's columns. */
    Object[] values(int index) {
        return selected.row(index);
    }

    boolean[] used() {
        return used;
    }

    String reader() {
        return reader;
    }

    void delivered() {
        delivery.delivered(size());
    }

    void undelivered(Throwable cause) {
        delivery.undelivered(cause);
    }
}
