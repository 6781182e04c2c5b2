package io.vajra.table;

/** osquery's column options. */
public enum ColumnOption {
    /** Left out of {@code SELECT *} in osqueryd. */
    HIDDEN,
    /** Usable in a constraint to ask for extra data (osquery: time in event tables). */
    ADDITIONAL,
    /** A key the table can look up directly. */
    INDEX,
    /** The table needs a constraint on it to produce rows. */
    REQUIRED,
}
