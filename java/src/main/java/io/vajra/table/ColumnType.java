package io.vajra.table;

/** osquery's column types, with the Java value a row holds for each. */
public enum ColumnType {
    /** A String. */
    TEXT("TEXT"),
    /** A Long; osqueryd treats it as 32-bit, so wider values use {@link #BIGINT}. */
    INTEGER("INTEGER"),
    /** A Long. */
    BIGINT("INTEGER"),
    /** A Double. */
    DOUBLE("REAL");

    private final String sqliteType;

    ColumnType(String sqliteType) {
        this.sqliteType = sqliteType;
    }

    /** The SQLite type affinity used by the standalone shell. */
    public String sqliteType() {
        return sqliteType;
    }
}
