package io.vajra.table;

import java.util.Set;

/** osquery's column options, with the bit each has in a table's route info. */
public enum ColumnOption {
    /** Left out of {@code SELECT *} in osqueryd. */
    HIDDEN(16),
    /** Usable in a constraint to ask for extra data (osquery: time in event tables). */
    ADDITIONAL(4),
    /** A key the table can look up directly. */
    INDEX(1),
    /** The table needs a constraint on it to produce rows. */
    REQUIRED(2),
    /** The table uses the column's constraints to do less work without being indexed by it. */
    OPTIMIZED(8);

    private final int osqueryBit;

    ColumnOption(int osqueryBit) {
        this.osqueryBit = osqueryBit;
    }

    /** The option's bit in osquery's {@code ColumnOptions}. */
    public int osqueryBit() {
        return osqueryBit;
    }

    /** The options as osquery's bit set (the {@code op} of a column route). */
    public static int osqueryBits(Set<ColumnOption> options) {
        int bits = 0;
        for (ColumnOption option : options) {
            bits |= option.osqueryBit;
        }
        return bits;
    }
}
