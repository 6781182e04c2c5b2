package io.vajra.osquery;

import io.vajra.osquery.thrift.ExtensionResponse;
import io.vajra.osquery.thrift.ExtensionStatus;
import io.vajra.table.Column;
import io.vajra.table.ColumnOption;
import io.vajra.table.ColumnType;
import io.vajra.table.EventTable;
import io.vajra.table.LongBounds;
import io.vajra.table.QueryConstraints;
import io.vajra.table.QueryConstraints.Operator;
import io.vajra.table.SelectedRows;
import io.vajra.table.Table;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Vajra table as an osquery table plugin: its route info, and the {@code columns} and
 * {@code generate} actions.
 *
 * <p>Event tables get one more column, {@value #READER_COLUMN} (HIDDEN, TEXT): a query that
 * says {@code WHERE vajra_reader = 'name'} gets only the events that reader has not been
 * offered yet (see {@link ReaderCursors} and docs/osquery.md).
 *
 * <p>Thread-safe: osqueryd calls several generates at once.
 */
final class TablePlugin {
    static final String READER_COLUMN = "vajra_reader";
    /** osquery's table attribute for event tables: rows are logged as "added", never diffed. */
    static final int EVENT_BASED = 4;
    static final String SUCCESS_MESSAGE = "OK";

    private final Table table;
    private final String name;
    private final EventTable events; // null: not an event table, no reader column
    private final ReaderCursors cursors;
    private final ExtensionLog log;
    private final RowLayout layout;
    private final boolean[] pushable;
    private final List<Map<String, String>> routes;

    TablePlugin(Table table, String name, ReaderCursors cursors, ExtensionLog log) {
        this.table = table;
        this.name = name;
        this.events = table instanceof EventTable ? (EventTable) table : null;
        this.cursors = cursors;
        this.log = log;
        List<Column> columns = table.columns();
        if (table.columnIndex(READER_COLUMN) >= 0) {
            throw new IllegalArgumentException(table.name() + " already has a column named " + READER_COLUMN);
        }
        String[] rowKeys = new String[columns.size() + (events == null ? 0 : 1)];
        this.pushable = new boolean[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            rowKeys[i] = columns.get(i).name();
            ColumnType type = columns.get(i).type();
            // Bounds are integers: only integer columns can take them (x > 2.5 on a DOUBLE is not x >= 3).
            pushable[i] = type == ColumnType.INTEGER || type == ColumnType.BIGINT;
        }
        if (events != null) {
            rowKeys[columns.size()] = READER_COLUMN;
        }
        this.layout = new RowLayout(rowKeys);
        this.routes = buildRoutes(columns, events != null);
    }

    /** The same table under another name (when osquery already owns this one). */
    TablePlugin renamed(String newName) {
        return new TablePlugin(table, newName, cursors, log);
    }

    /** The name registered with osquery. */
    String name() {
        return name;
    }

    /** The table's own name (the one Vajra's standalone shell uses). */
    String tableName() {
        return table.name();
    }

    List<Map<String, String>> routes() {
        return routes;
    }

    /** Answers one {@code call("table", name, request)}; never throws. */
    ExtensionResponse call(Map<String, String> request) {
        String action = request.get("action");
        if (action == null) {
            return failure("the request to table " + name + " has no action");
        }
        switch (action) {
            case "columns":
                return success(routes);
            case "generate":
                try {
                    return success(generate(QueryContext.parse(request.get("context"))));
                } catch (MalformedContextException | RefusedQueryException e) {
                    return failure("table " + name + ": " + e.getMessage());
                }
            default:
                return failure("table " + name + " does not support the action \"" + action
                        + "\" (it is read-only: columns and generate only)");
        }
    }

    /**
     * The rows for one query: selected now, each formatted when the reply is written (see
     * {@link GeneratedRows}). A reader's claim is given back if the rows cannot be selected, or
     * are not written out whole.
     */
    List<Map<String, String>> generate(QueryContext context) throws RefusedQueryException {
        long started = System.nanoTime();
        String reader = events == null ? null : readerOf(context);
        QueryConstraints.Builder constraints = QueryConstraints.builder();
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            if (!pushable[i]) {
                continue;
            }
            String column = columns.get(i).name();
            for (QueryContext.Constraint c : context.constraints(column)) {
                Operator op = operator(c.op());
                if (op != null && c.expr() != null) {
                    constraints.add(column, op, c.expr());
                }
            }
        }
        BitSet used = usedColumns(context);
        if (used != null) {
            constraints.usedColumns(used);
        }
        ReaderCursors.Claim claim = null;
        if (reader != null) {
            claim = claimFor(reader);
            constraints.add(EventTable.EID, Operator.GREATER_THAN, claim.afterEid())
                    .add(EventTable.EID, Operator.LESS_OR_EQUAL, claim.throughEid());
        }

        SelectedRows selected;
        try {
            selected = table.select(constraints.build());
        } catch (RuntimeException e) {
            if (claim != null) {
                cursors.giveBack(name, reader, claim); // nothing was delivered: offer it again
            }
            throw e;
        }
        boolean[] usedFlags = used == null ? null : toFlags(used, columns.size());
        // The reader value makes SQLite's re-check of vajra_reader = 'name' pass.
        return new GeneratedRows(layout, selected, usedFlags, reader, new Delivery(reader, claim, started));
    }

    /** Logs how a generate ended and gives a reader's claim back when its rows did not go out. */
    private final class Delivery implements GeneratedRows.Delivery {
        private final String reader;
        private final ReaderCursors.Claim claim;
        private final long started;

        Delivery(String reader, ReaderCursors.Claim claim, long started) {
            this.reader = reader;
            this.claim = claim;
            this.started = started;
        }

        @Override
        public void delivered(int rows) {
            if (log.isVerbose()) {
                String range = claim == null ? ""
                        : claim.isEmpty() ? ", reader " + reader + ": no new events"
                        : ", reader " + reader + ": eids " + (claim.afterEid() + 1) + ".." + claim.throughEid();
                log.detail("generate " + name + ": " + rows + " rows in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms" + range);
            }
        }

        @Override
        public void undelivered(Throwable cause) {
            if (claim != null) {
                cursors.giveBack(name, reader, claim); // the reply was cut short: offer the events again
            }
            log.warn("generate " + name + ": the reply was abandoned part way (" + cause + ")"
                    + (claim == null ? "" : "; reader " + reader + " will be offered these events again"));
        }
    }

    private ReaderCursors.Claim claimFor(String reader) {
        LongBounds held = events.heldEids();
        ReaderCursors.Claim claim = cursors.claim(name, reader, held.max());
        long firstHeld = held.min();
        if (claim.known() && firstHeld > claim.afterEid() + 1) {
            long missed = Math.min(firstHeld - 1, claim.throughEid()) - claim.afterEid();
            log.warn("reader " + reader + " of " + name + " missed " + missed + " events that left the store"
                    + " before it read them (query more often, or raise events_max / events_expiry)");
        }
        return claim;
    }

    /** The reader named by {@code vajra_reader = 'name'}, or null for an ordinary query. */
    private static String readerOf(QueryContext context) throws RefusedQueryException {
        Set<String> names = new LinkedHashSet<>();
        for (QueryContext.Constraint c : context.constraints(READER_COLUMN)) {
            if (c.op() == QueryContext.EQUALS && c.expr() != null) {
                names.add(c.expr());
            }
        }
        if (names.size() > 1) {
            throw new RefusedQueryException(READER_COLUMN + " must name one reader, not " + names.size()
                    + " (" + String.join(", ", names) + ")");
        }
        if (names.isEmpty()) {
            return null;
        }
        String reader = names.iterator().next();
        if (reader.isEmpty()) {
            throw new RefusedQueryException(READER_COLUMN + " must not be empty");
        }
        return reader;
    }

    /** The table's columns the query reads; null when osquery did not say (then all). */
    private BitSet usedColumns(QueryContext context) {
        int width = table.columns().size();
        Set<String> names = context.columnsUsed();
        if (names != null) {
            BitSet used = new BitSet(width);
            for (int i = 0; i < width; i++) {
                if (names.contains(layout.name(i))) {
                    used.set(i);
                }
            }
            return used;
        }
        if (context.columnsUsedBitset().isPresent()) {
            long bits = context.columnsUsedBitset().getAsLong();
            BitSet used = new BitSet(width);
            for (int i = 0; i < width; i++) {
                // SQLite's colUsed: bit 63 stands for every column from the 64th on.
                if ((bits & (1L << Math.min(i, 63))) != 0) {
                    used.set(i);
                }
            }
            return used;
        }
        return null;
    }

    private static Operator operator(int op) {
        switch (op) {
            case QueryContext.EQUALS:
                return Operator.EQUALS;
            case QueryContext.GREATER_THAN:
                return Operator.GREATER_THAN;
            case QueryContext.GREATER_THAN_OR_EQUALS:
                return Operator.GREATER_OR_EQUAL;
            case QueryContext.LESS_THAN:
                return Operator.LESS_THAN;
            case QueryContext.LESS_THAN_OR_EQUALS:
                return Operator.LESS_OR_EQUAL;
            default:
                return null; // LIKE, GLOB, MATCH, REGEXP: left to SQLite
        }
    }

    private static boolean[] toFlags(BitSet bits, int width) {
        boolean[] flags = new boolean[width];
        for (int i = 0; i < width; i++) {
            flags[i] = bits.get(i);
        }
        return flags;
    }

    private static List<Map<String, String>> buildRoutes(List<Column> columns, boolean eventBased) {
        List<Map<String, String>> routes = new ArrayList<>();
        for (Column c : columns) {
            routes.add(columnRoute(c.name(), c.type().name(), ColumnOption.osqueryBits(c.options())));
        }
        if (eventBased) {
            // ADDITIONAL so the constraint reaches us even with --extensions_default_index=false.
            routes.add(columnRoute(READER_COLUMN, ColumnType.TEXT.name(),
                    ColumnOption.osqueryBits(Set.of(ColumnOption.HIDDEN, ColumnOption.ADDITIONAL))));
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", "attributes");
        attributes.put("attributes", Integer.toString(eventBased ? EVENT_BASED : 0));
        routes.add(Collections.unmodifiableMap(attributes));
        return List.copyOf(routes);
    }

    private static Map<String, String> columnRoute(String name, String type, int options) {
        Map<String, String> route = new LinkedHashMap<>();
        route.put("id", "column");
        route.put("name", name);
        route.put("type", type);
        route.put("op", Integer.toString(options));
        return Collections.unmodifiableMap(route);
    }

    static ExtensionResponse success(List<Map<String, String>> rows) {
        return new ExtensionResponse(new ExtensionStatus(0, SUCCESS_MESSAGE, 0), rows);
    }

    static ExtensionResponse failure(String message) {
        return new ExtensionResponse(new ExtensionStatus(1, message, 0), new ArrayList<>());
    }
}
