package io.vajra.table;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One column of a table's schema.
 *
 * @param description one line for users (docs, {@code .schema})
 */
public record Column(String name, ColumnType type, Set<ColumnOption> options, String description) {
    public Column {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        options = options.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(options));
    }

    public static Column text(String name, String description, ColumnOption... options) {
        return new Column(name, ColumnType.TEXT, Set.of(options), description);
    }

    public static Column integer(String name, String description, ColumnOption... options) {
        return new Column(name, ColumnType.INTEGER, Set.of(options), description);
    }

    public static Column bigint(String name, String description, ColumnOption... options) {
        return new Column(name, ColumnType.BIGINT, Set.of(options), description);
    }

    public static Column real(String name, String description, ColumnOption... options) {
        return new Column(name, ColumnType.DOUBLE, Set.of(options), description);
    }

    public boolean has(ColumnOption option) {
        return options.contains(option);
    }
}
