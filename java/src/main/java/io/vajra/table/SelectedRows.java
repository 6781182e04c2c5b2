package io.vajra.table;

import java.util.List;

/**
 * The rows one query selected, counted before any of them is formatted. A writer that must
 * announce how many rows follow (osquery's Thrift reply starts the row list with its length)
 * can then format and send one row at a time instead of holding every row of a large answer.
 *
 * <p>Not thread-safe; {@link #row} may be called more than once for a row and formats it again.
 */
public interface SelectedRows {
    /** How many rows were selected. */
    int size();

    /**
     * Formats row {@code index}: a new array aligned with the table's columns, holding Long,
     * String, Double or null, owned by the caller.
     */
    Object[] row(int index);

    /** Hands the rows to {@code sink}, in order, until it says stop. */
    default void sendTo(RowSink sink) {
        for (int i = 0; i < size(); i++) {
            if (!sink.accept(row(i))) {
                return;
            }
        }
    }

    /** Rows already formatted. */
    static SelectedRows of(List<Object[]> rows) {
        return new SelectedRows() {
            @Override
            public int size() {
                return rows.size();
            }

            @Override
            public Object[] row(int index) {
                return rows.get(index);
            }
        };
    }
}
