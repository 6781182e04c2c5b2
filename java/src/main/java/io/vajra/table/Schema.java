package io.vajra.table;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a table's columns and hands back each one's index, so row-building code uses
 * constants that cannot drift from the column list:
 * {@code static final int PID = SCHEMA.add(Column.bigint("pid", "..."));}
 */
final class Schema {
    private final List<Column> columns = new ArrayList<>();

    int add(Column column) {
        for (Column c : columns) {
            if (c.name().equals(column.name())) {
                throw new IllegalArgumentException("duplicate column " + column.name());
            }
        }
        columns.add(column);
        return columns.size() - 1;
    }

    List<Column> columns() {
        return List.copyOf(columns);
    }
}
