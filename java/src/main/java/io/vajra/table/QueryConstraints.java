package io.vajra.table;

import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a query asks of a table, reduced to what a table can use: per integer column, inclusive
 * bounds (from =, &gt;, &gt;=, &lt;, &lt;=) and the values listed with = or IN; optionally,
 * which columns the query reads.
 * Everything else (LIKE, text comparisons, OR) is left to the SQL engine, which re-checks
 * every constraint anyway.
 */
public final class QueryConstraints {
    /** The comparison operators a table can push down. */
    public enum Operator {
        EQUALS("="), GREATER_THAN(">"), GREATER_OR_EQUAL(">="), LESS_THAN("<"), LESS_OR_EQUAL("<=");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        /** @return the operator for an SQL symbol ("=", "==", "&gt;", ...), or null */
        public static Operator ofSymbol(String symbol) {
            if ("==".equals(symbol)) {
                return EQUALS;
            }
            for (Operator op : values()) {
                if (op.symbol.equals(symbol)) {
                    return op;
                }
            }
            return null;
        }
    }

    public static final QueryConstraints NONE = new QueryConstraints(Map.of(), null);

    private static final double TWO_TO_63 = 0x1p63;

    private final Map<String, LongFilter> filters;
    private final BitSet usedColumns;

    private QueryConstraints(Map<String, LongFilter> filters, BitSet usedColumns) {
        this.filters = filters;
        this.usedColumns = usedColumns;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bounds every row must satisfy on this column; {@link LongBounds#ALL} if none. */
    public LongBounds bounds(String column) {
        return filter(column).bounds();
    }

    /** The bounds and listed values every row must satisfy; {@link LongFilter#ALL} if none. */
    public LongFilter filter(String column) {
        return filters.getOrDefault(column, LongFilter.ALL);
    }

    /** Whether the query reads this column; a table may leave unread columns null. */
    public boolean isUsed(int columnIndex) {
        return usedColumns == null || usedColumns.get(columnIndex);
    }

    @Override
    public String toString() {
        return "QueryConstraints" + filters + (usedColumns == null ? "" : " columns " + usedColumns);
    }

    /**
     * Collects constraints. Range operators on one column intersect. Several EQUALS on one
     * column mean "any of these": osquery delivers an SQL {@code IN} that way, and a query
     * that really says {@code x = 1 AND x = 2} only gets rows SQLite then filters out.
     */
    public static final class Builder {
        private final Map<String, LongBounds> bounds = new HashMap<>();
        private final Map<String, EqualValues> equalValues = new HashMap<>();
        private BitSet usedColumns;

        private Builder() {}

        public Builder add(String column, Operator op, long value) {
            if (op == Operator.EQUALS) {
                equalsOf(column).values.add(value);
                return this;
            }
            return intersect(column, longBounds(op, value));
        }

        /**
         * Adds a constraint whose value arrives as text (osquery sends them so). A value that
         * is not a number cannot be turned into bounds and is ignored here: the SQL engine
         * still applies it.
         */
        public Builder add(String column, Operator op, String value) {
            String v = value.trim();
            try {
                return add(column, op, Long.parseLong(v));
            } catch (NumberFormatException notLong) {
                double real;
                try {
                    real = Double.parseDouble(v);
                } catch (NumberFormatException notNumber) {
                    if (op == Operator.EQUALS) {
                        equalsOf(column).unknown = true; // a listed value we cannot compare: list not usable
                    }
                    return this;
                }
                if (op == Operator.EQUALS) {
                    // x = 2.5 admits no integer; x = 3.0 admits 3.
                    if (real == Math.floor(real) && Math.abs(real) < TWO_TO_63) {
                        equalsOf(column).values.add((long) real);
                    } else {
                        equalsOf(column);
                    }
                    return this;
                }
                return intersect(column, doubleBounds(op, real));
            }
        }

        /** The columns the query reads, by index in {@link Table#columns()}. */
        public Builder usedColumns(BitSet columns) {
            this.usedColumns = (BitSet) columns.clone();
            return this;
        }

        public QueryConstraints build() {
            Map<String, LongFilter> filters = new HashMap<>();
            bounds.forEach((column, range) -> filters.put(column, new LongFilter(range, null)));
            equalValues.forEach((column, listed) -> {
                if (listed.unknown) {
                    return;
                }
                LongBounds range = bounds.getOrDefault(column, LongBounds.ALL);
                long[] values = listed.values.stream().mapToLong(Long::longValue)
                        .filter(range::contains).sorted().toArray();
                LongBounds hull = values.length == 0 ? empty() : new LongBounds(values[0], values[values.length - 1]);
                filters.put(column, new LongFilter(hull, values));
            });
            return new QueryConstraints(Map.copyOf(filters), usedColumns);
        }

        private EqualValues equalsOf(String column) {
            Objects.requireNonNull(column, "column");
            return equalValues.computeIfAbsent(column, c -> new EqualValues());
        }

        private Builder intersect(String column, LongBounds more) {
            Objects.requireNonNull(column, "column");
            bounds.merge(column, more, LongBounds::intersect);
            return this;
        }

        private static LongBounds longBounds(Operator op, long v) {
            switch (op) {
                case GREATER_THAN:
                    return v == Long.MAX_VALUE ? empty() : new LongBounds(v + 1, Long.MAX_VALUE);
                case GREATER_OR_EQUAL:
                    return new LongBounds(v, Long.MAX_VALUE);
                case LESS_THAN:
                    return v == Long.MIN_VALUE ? empty() : new LongBounds(Long.MIN_VALUE, v - 1);
                case LESS_OR_EQUAL:
                    return new LongBounds(Long.MIN_VALUE, v);
                default:
                    throw new AssertionError(op);
            }
        }

        /** Integer columns compared with a real: x &gt; 2.5 is x &gt;= 3. */
        private static LongBounds doubleBounds(Operator op, double v) {
            if (Double.isNaN(v)) {
                return empty(); // SQLite: a comparison with NULL/NaN is never true
            }
            switch (op) {
                case GREATER_THAN:
                    return new LongBounds(lower(Math.floor(v) + 1), Long.MAX_VALUE);
                case GREATER_OR_EQUAL:
                    return new LongBounds(lower(Math.ceil(v)), Long.MAX_VALUE);
                case LESS_THAN:
                    return new LongBounds(Long.MIN_VALUE, upper(Math.ceil(v) - 1));
                case LESS_OR_EQUAL:
                    return new LongBounds(Long.MIN_VALUE, upper(Math.floor(v)));
                default:
                    throw new AssertionError(op);
            }
        }

        private static long lower(double integral) {
            if (integral >= TWO_TO_63) {
                return Long.MAX_VALUE; // with an upper bound of MAX this keeps at most one value
            }
            return integral <= -TWO_TO_63 ? Long.MIN_VALUE : (long) integral;
        }

        private static long upper(double integral) {
            if (integral < -TWO_TO_63) {
                return Long.MIN_VALUE;
            }
            return integral >= TWO_TO_63 ? Long.MAX_VALUE : (long) integral;
        }

        private static LongBounds empty() {
            return new LongBounds(1, 0);
        }
    }

    /** The values listed for one column with EQUALS. */
    private static final class EqualValues {
        final Set<Long> values = new HashSet<>();
        /** A listed value was not a number, so the list cannot narrow anything. */
        boolean unknown;
    }
}
