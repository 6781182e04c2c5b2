package io.vajra.osquery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The context of one {@code generate} call, as osqueryd serialises it:
 * {@code {"constraints":[{"name":c,"affinity":a,"list":[{"op":2,"expr":"x"}]}],
 * "colsUsed":[...],"colsUsedBitset":n}}.
 *
 * <p>Older osquery versions send {@code list} as a string holding the JSON array and
 * {@code op} as a string; both forms are accepted. Unknown keys are skipped (newer osquery
 * may add some). Parsed with jackson-core's streaming parser: one pass, no tree.
 */
public final class QueryContext {
    public static final int EQUALS = 2;
    public static final int GREATER_THAN = 4;
    public static final int LESS_THAN_OR_EQUALS = 8;
    public static final int LESS_THAN = 16;
    public static final int GREATER_THAN_OR_EQUALS = 32;
    public static final int MATCH = 64;
    public static final int LIKE = 65;
    public static final int GLOB = 66;
    public static final int REGEXP = 67;

    /** One comparison: {@code column <op> expr}; expr is null when osquery sent JSON null. */
    public record Constraint(int op, String expr) {}

    private static final JsonFactory JSON = new JsonFactory();

    private final Map<String, List<Constraint>> constraints;
    private final Set<String> columnsUsed;
    private final OptionalLong columnsUsedBitset;

    private QueryContext(Map<String, List<Constraint>> constraints, Set<String> columnsUsed,
            OptionalLong columnsUsedBitset) {
        this.constraints = constraints;
        this.columnsUsed = columnsUsed;
        this.columnsUsedBitset = columnsUsedBitset;
    }

    /** The comparisons on a column, in osquery's order; empty when none. */
    public List<Constraint> constraints(String column) {
        return constraints.getOrDefault(column, List.of());
    }

    /** Columns that have at least one comparison. */
    public Set<String> constrainedColumns() {
        return constraints.keySet();
    }

    /** The columns the query reads ({@code colsUsed}); null when osquery did not say. */
    public Set<String> columnsUsed() {
        return columnsUsed;
    }

    /** {@code colsUsedBitset}: bit i is column i, bit 63 every column from 63 on. */
    public OptionalLong columnsUsedBitset() {
        return columnsUsedBitset;
    }

    /** @throws MalformedContextException when the text is not a context osquery would send */
    public static QueryContext parse(String json) throws MalformedContextException {
        if (json == null) {
            throw new MalformedContextException("the generate request has no context");
        }
        try (JsonParser parser = JSON.createParser(json)) {
            QueryContext context = readContext(parser);
            if (parser.nextToken() != null) {
                throw new MalformedContextException("malformed context: content after the JSON object");
            }
            return context;
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new MalformedContextException("malformed context JSON" + at + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedContextException("malformed context: " + e.getMessage(), e);
        }
    }

    private static QueryContext readContext(JsonParser parser) throws IOException, MalformedContextException {
        expect(parser.nextToken(), JsonToken.START_OBJECT, "the context", parser);
        Map<String, List<Constraint>> constraints = new LinkedHashMap<>();
        Set<String> columnsUsed = null;
        OptionalLong bitset = OptionalLong.empty();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (key) {
                case "constraints" -> {
                    expect(value, JsonToken.START_ARRAY, "constraints", parser);
                    int index = 0;
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        readColumnConstraints(parser, "constraints[" + index++ + "]", constraints);
                    }
                }
                case "colsUsed" -> {
                    expect(value, JsonToken.START_ARRAY, "colsUsed", parser);
                    columnsUsed = new LinkedHashSet<>();
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        expect(parser.currentToken(), JsonToken.VALUE_STRING, "colsUsed entries", parser);
                        columnsUsed.add(parser.getText());
                    }
                }
                case "colsUsedBitset" -> bitset = OptionalLong.of(unsigned64(parser));
                default -> parser.skipChildren();
            }
        }
        return new QueryContext(constraints, columnsUsed == null ? null : Set.copyOf(columnsUsed), bitset);
    }

    private static void readColumnConstraints(JsonParser parser, String where,
            Map<String, List<Constraint>> constraints) throws IOException, MalformedContextException {
        expect(parser.currentToken(), JsonToken.START_OBJECT, where, parser);
        String name = null;
        List<Constraint> list = List.of();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (key) {
                case "name" -> {
                    expect(value, JsonToken.VALUE_STRING, where + ".name", parser);
                    name = parser.getText();
                }
                case "list" -> {
                    if (value == JsonToken.VALUE_STRING && parser.getText().isBlank()) {
                        list = List.of();
                    } else if (value == JsonToken.VALUE_STRING) {
                        // Older osquery: the array as JSON text inside a string.
                        try (JsonParser inner = JSON.createParser(parser.getText())) {
                            expect(inner.nextToken(), JsonToken.START_ARRAY, where + ".list", inner);
                            list = readList(inner, where + ".list");
                        }
                    } else {
                        expect(value, JsonToken.START_ARRAY, where + ".list", parser);
                        list = readList(parser, where + ".list");
                    }
                }
                default -> parser.skipChildren();
            }
        }
        if (name == null) {
            throw new MalformedContextException("malformed context: " + where + " has no name");
        }
        if (!list.isEmpty()) {
            constraints.computeIfAbsent(name, n -> new ArrayList<>()).addAll(list);
        }
    }

    private static List<Constraint> readList(JsonParser parser, String where)
            throws IOException, MalformedContextException {
        List<Constraint> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            String item = where + "[" + list.size() + "]";
            expect(parser.currentToken(), JsonToken.START_OBJECT, item, parser);
            Integer op = null;
            String expr = null;
            boolean hasExpr = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (key) {
                    case "op" -> op = operator(parser, value, item + ".op");
                    case "expr" -> {
                        hasExpr = true;
                        expr = scalarText(parser, value, item + ".expr");
                    }
                    default -> parser.skipChildren();
                }
            }
            if (op == null || !hasExpr) {
                throw new MalformedContextException("malformed context: " + item + " needs both op and expr");
            }
            list.add(new Constraint(op, expr));
        }
        return list;
    }

    private static int operator(JsonParser parser, JsonToken value, String where)
            throws IOException, MalformedContextException {
        if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT) {
            return parser.getIntValue();
        }
        if (value == JsonToken.VALUE_STRING) {
            try {
                return Integer.parseInt(parser.getText().strip()); // older osquery
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new MalformedContextException("malformed context: " + where + " must be an integer operator, not "
                + describe(parser, value));
    }

    private static String scalarText(JsonParser parser, JsonToken value, String where)
            throws IOException, MalformedContextException {
        switch (value) {
            case VALUE_STRING:
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
            case VALUE_TRUE:
            case VALUE_FALSE:
                return parser.getText();
            case VALUE_NULL:
                return null;
            default:
                throw new MalformedContextException("malformed context: " + where + " must be a string, not "
                        + describe(parser, value));
        }
    }

    private static long unsigned64(JsonParser parser) throws IOException, MalformedContextException {
        if (parser.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            BigInteger value = parser.getBigIntegerValue();
            if (value.signum() >= 0 && value.bitLength() <= 64) {
                return value.longValue(); // a uint64, bits kept
            }
        }
        throw new MalformedContextException("malformed context: colsUsedBitset must be an unsigned 64-bit integer, not "
                + describe(parser, parser.currentToken()));
    }

    private static void expect(JsonToken actual, JsonToken expected, String what, JsonParser parser)
            throws IOException, MalformedContextException {
        if (actual != expected) {
            String kind = switch (expected) {
                case START_OBJECT -> "an object";
                case START_ARRAY -> "an array";
                default -> "a string";
            };
            throw new MalformedContextException("malformed context: " + what + " must be " + kind + ", not "
                    + describe(parser, actual));
        }
    }

    private static String describe(JsonParser parser, JsonToken token) throws IOException {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "\"" + parser.getText() + "\"";
            default -> parser.getText();
        };
    }
}
