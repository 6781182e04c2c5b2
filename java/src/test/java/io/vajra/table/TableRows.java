package io.vajra.table;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects a table's rows as column name -> value, for readable assertions. */
final class TableRows {
    private TableRows() {}

    static List<Map<String, Object>> of(Table table, QueryConstraints constraints) {
        List<Column> columns = table.columns();
        List<Map<String, Object>> rows = new ArrayList<>();
        table.generate(constraints, row -> {
            if (row.length != columns.size()) {
                throw new AssertionError("row has " + row.length + " values for " + columns.size() + " columns");
            }
            Map<String, Object> named = new LinkedHashMap<>();
            for (int i = 0; i < row.length; i++) {
                named.put(columns.get(i).name(), row[i]);
            }
            rows.add(named);
            return true;
        });
        return rows;
    }

    static List<Map<String, Object>> of(Table table) {
        return of(table, QueryConstraints.NONE);
    }
}
