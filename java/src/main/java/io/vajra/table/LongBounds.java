package io.vajra.table;

/** An inclusive range of longs; empty when {@code min > max}. */
public record LongBounds(long min, long max) {
    public static final LongBounds ALL = new LongBounds(Long.MIN_VALUE, Long.MAX_VALUE);

    public boolean isEmpty() {
        return min > max;
    }

    public boolean isAll() {
        return min == Long.MIN_VALUE && max == Long.MAX_VALUE;
    }

    public LongBounds intersect(LongBounds other) {
        return new LongBounds(Math.max(min, other.min), Math.min(max, other.max));
    }

    public boolean contains(long value) {
        return value >= min && value <= max;
    }
}
