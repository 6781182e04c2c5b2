package io.vajra.table;

import java.util.ArrayList;
import java.util.List;

/**
 * A virtual table: a name, a schema, and rows on demand. Like osquery-go's table plugin,
 * options are given to the constructor and generate() does the work.
 */
public interface Table {
    String name();

    /** The schema; every generated row is aligned with it. Stable for the table's life. */
    List<Column> columns();

    /**
     * Produces the rows for one query. Constraints the table can push into its store narrow
     * the work; the SQL engine still applies every constraint, so a table may return more rows
     * than asked for, never fewer.
     */
    void generate(QueryConstraints constraints, RowSink sink);

    /**
     * The same rows as {@link #generate}, counted first and formatted when asked for. This
     * default formats them all at once; tables with many rows select without formatting.
     */
    default SelectedRows select(QueryConstraints constraints) {
        List<Object[]> rows = new ArrayList<>();
        generate(constraints, row -> {
            rows.add(row);
            return true;
        });
        return SelectedRows.of(rows);
    }

    /** Position of a column in {@link #columns()}, or -1. */
    default int columnIndex(String columnName) {
        List<Column> columns = columns();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(columnName)) {
                return i;
            }
        }
        return -1;
    }
}
