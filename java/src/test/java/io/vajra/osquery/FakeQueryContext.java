package io.vajra.osquery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generate context osqueryd sends with {@code {"action":"generate"}}, built like osqueryd
 * builds it: every column of the table appears in {@code constraints} (mostly with an empty
 * list), each with its affinity; {@code colsUsed} and {@code colsUsedBitset} name the columns
 * the query uses (all of them unless told otherwise). An SQL {@code IN} is several EQUALS on
 * one column.
 *
 * <p>{@link #toLegacyJson()} writes the older form: {@code op} as a string, an empty
 * {@code list} as the empty string {@code ""}, no {@code colsUsed}.
 */
public final class FakeQueryContext {
    public static final int EQUALS = 2;
    public static final int GREATER_THAN = 4;
    public static final int LESS_THAN_OR_EQUALS = 8;
    public static final int LESS_THAN = 16;
    public static final int GREATER_THAN_OR_EQUALS = 32;
    public static final int MATCH = 64;
    public static final int LIKE = 65;
    public static final int GLOB = 66;
    public static final int REGEXP = 67;

    private record Constraint(int op, String expr) {
    }

    private final Map<String, String> affinity = new LinkedHashMap<>();
    private final Map<String, List<Constraint>> constraints = new LinkedHashMap<>();
    private List<String> colsUsed;

    private FakeQueryContext() {
    }

    /** A context for the table whose {@code columns} route list is {@code routes}. */
    public static FakeQueryContext forRoutes(List<Map<String, String>> routes) {
        FakeQueryContext context = new FakeQueryContext();
        for (Map<String, String> route : routes) {
            if ("column".equals(route.get("id"))) {
                context.affinity.put(route.get("name"), route.get("type"));
                context.constraints.put(route.get("name"), new ArrayList<>());
            }
        }
        if (context.affinity.isEmpty()) {
            throw new IllegalArgumentException("no column routes in " + routes);
        }
        return context;
    }

    /** Adds {@code column <op> expr}; the column must exist. */
    public FakeQueryContext where(String column, int op, Object expr) {
        List<Constraint> list = constraints.get(column);
        if (list == null) {
            throw new IllegalArgumentException("no column " + column + " in " + affinity.keySet());
        }
        list.add(new Constraint(op, String.valueOf(expr)));
        return this;
    }

    /** {@code column IN (values...)}: one EQUALS each, as SQLite hands them over. */
    public FakeQueryContext whereIn(String column, Object... values) {
        for (Object v : values) {
            where(column, EQUALS, v);
        }
        return this;
    }

    /** The columns the query uses (default: all). */
    public FakeQueryContext colsUsed(String... columns) {
        for (String c : columns) {
            if (!affinity.containsKey(c)) {
                throw new IllegalArgumentException("no column " + c);
            }
        }
        this.colsUsed = List.of(columns);
        return this;
    }

    /** osquery 5's form. */
    public String toJson() {
        StringBuilder out = new StringBuilder("{\"constraints\":[");
        boolean first = true;
        for (Map.Entry<String, List<Constraint>> column : constraints.entrySet()) {
            out.append(first ? "" : ",");
            first = false;
            out.append("{\"name\":").append(quote(column.getKey()))
                    .append(",\"list\":[");
            boolean firstItem = true;
            for (Constraint c : column.getValue()) {
                out.append(firstItem ? "" : ",");
                firstItem = false;
                out.append("{\"op\":").append(c.op()).append(",\"expr\":").append(quote(c.expr())).append('}');
            }
            out.append("],\"affinity\":").append(quote(affinity.get(column.getKey()))).append('}');
        }
        out.append("],\"colsUsed\":[");
        List<String> used = colsUsed == null ? new ArrayList<>(affinity.keySet()) : colsUsed;
        List<String> names = new ArrayList<>(affinity.keySet());
        long bitset = 0;
        for (int i = 0; i < used.size(); i++) {
            out.append(i == 0 ? "" : ",").append(quote(used.get(i)));
            int index = names.indexOf(used.get(i));
            if (index < 64) {
                bitset |= 1L << index;
            }
        }
        out.append("],\"colsUsedBitset\":").append(Long.toUnsignedString(bitset)).append('}');
        return out.toString();
    }

    /** The older form: ops as strings, empty lists as {@code ""}, no colsUsed. */
    public String toLegacyJson() {
        StringBuilder out = new StringBuilder("{\"constraints\":[");
        boolean first = true;
        for (Map.Entry<String, List<Constraint>> column : constraints.entrySet()) {
            out.append(first ? "" : ",");
            first = false;
            out.append("{\"name\":").append(quote(column.getKey())).append(",\"list\":");
            if (column.getValue().isEmpty()) {
                out.append("\"\"");
            } else {
                out.append('[');
                boolean firstItem = true;
                for (Constraint c : column.getValue()) {
                    out.append(firstItem ? "" : ",");
                    firstItem = false;
                    out.append("{\"op\":\"").append(c.op()).append("\",\"expr\":").append(quote(c.expr())).append('}');
                }
                out.append(']');
            }
            out.append(",\"affinity\":").append(quote(affinity.get(column.getKey()))).append('}');
        }
        return out.append("]}").toString();
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
