package io.vajra.table;

import java.util.Arrays;

/**
 * What a query admits for one integer column: an inclusive range and, when the query listed
 * values ({@code =} or {@code IN}), the set of them. Lets a table drop events before it
 * spends anything on formatting them.
 */
public final class LongFilter {
    public static final LongFilter ALL = new LongFilter(LongBounds.ALL, null);

    private final LongBounds bounds;
    private final long[] values; // sorted, distinct, all inside bounds; null: any value in bounds

    LongFilter(LongBounds bounds, long[] values) {
        this.bounds = bounds;
        this.values = values;
    }

    /** The smallest range holding every admitted value; empty when none is. */
    public LongBounds bounds() {
        return bounds;
    }

    public boolean isAll() {
        return values == null && bounds.isAll();
    }

    public boolean isEmpty() {
        return bounds.isEmpty();
    }

    /** The listed values, sorted; null when the column was not compared with {@code =}. */
    public long[] values() {
        return values == null ? null : values.clone();
    }

    public boolean test(long value) {
        if (!bounds.contains(value)) {
            return false;
        }
        return values == null || Arrays.binarySearch(values, value) >= 0;
    }

    @Override
    public String toString() {
        return values == null ? bounds.toString() : "in " + Arrays.toString(values);
    }
}
