package io.vajra.shell;

import io.vajra.table.Column;
import io.vajra.table.ColumnOption;
import io.vajra.table.EventTable;
import io.vajra.table.LongBounds;
import io.vajra.table.QueryConstraints;
import io.vajra.table.QueryConstraints.Operator;
import io.vajra.table.Table;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory SQLite database holding one real table per Vajra table, kept live by
 * {@link #sync()} before each statement: event tables get the rows with eids above the last
 * synced one and lose the rows their store no longer holds; other tables are refilled.
 * Real tables (not virtual ones) so every SQLite feature, index and query plan just works,
 * and a query written for osqueryd runs unchanged.
 *
 * <p>Hidden columns are ordinary columns here, so {@code SELECT *} shows them. The database is
 * read-only to users ({@code PRAGMA query_only}) so that it cannot drift from the stores.
 *
 * <p>Not thread-safe: one shell drives it.
 */
public final class LiveDatabase implements AutoCloseable {
    /** Rows per executeBatch: bounds the driver's buffered parameters. */
    private static final int BATCH_ROWS = 1000;

    private final Connection connection;
    private final List<Mirror> mirrors = new ArrayList<>();

    public LiveDatabase(List<? extends Table> tables) throws SQLException {
        this.connection = DriverManager.getConnection("jdbc:sqlite::memory:");
        try (Statement st = connection.createStatement()) {
            for (Table table : tables) {
                st.execute(createTableSql(table));
                for (String indexed : List.of(EventTable.EID, "time")) {
                    if (table.columnIndex(indexed) >= 0) {
                        st.execute("CREATE INDEX " + quote(table.name() + "_" + indexed) + " ON "
                                + quote(table.name()) + " (" + quote(indexed) + ")");
                    }
                }
                mirrors.add(new Mirror(table));
            }
            st.execute("PRAGMA query_only = 1");
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** The connection statements run on; the caller must not close it. */
    public Connection connection() {
        return connection;
    }

    public List<Table> tables() {
        List<Table> tables = new ArrayList<>();
        for (Mirror mirror : mirrors) {
            tables.add(mirror.table);
        }
        return tables;
    }

    /** Brings every table up to date (see {@link #sync(String)}). */
    public void sync() throws SQLException {
        sync((String) null);
    }

    /**
     * Brings up to date the tables {@code sql} names (all of them when it is null): copying a
     * table's new rows into SQLite costs in proportion to them, and a statement can only
     * read the tables it names. Runs inside a savepoint so it also works while a user's
     * transaction is open, and undoes itself entirely if any table fails.
     */
    public void sync(String sql) throws SQLException {
        List<Mirror> named = new ArrayList<>();
        for (Mirror mirror : mirrors) {
            if (sql == null || names(sql, mirror.table.name())) {
                named.add(mirror);
            }
        }
        if (named.isEmpty()) {
            return;
        }
        sync(named);
    }

    /** Whether {@code sql} contains {@code table} as a whole word, in any case. */
    static boolean names(String sql, String table) {
        String text = sql.toLowerCase(java.util.Locale.ROOT);
        String name = table.toLowerCase(java.util.Locale.ROOT);
        for (int at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
            int end = at + name.length();
            if ((at == 0 || !wordChar(text.charAt(at - 1))) && (end == text.length() || !wordChar(text.charAt(end)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean wordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private void sync(List<Mirror> mirrors) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA query_only = 0");
            try {
                long[][] progress = new long[mirrors.size()][];
                for (int i = 0; i < mirrors.size(); i++) {
                    progress[i] = mirrors.get(i).progress();
                }
                st.execute("SAVEPOINT vajra_sync");
                try {
                    for (Mirror mirror : mirrors) {
                        mirror.sync();
                    }
                    st.execute("RELEASE vajra_sync");
                } catch (SQLException | RuntimeException e) {
                    st.execute("ROLLBACK TO vajra_sync");
                    st.execute("RELEASE vajra_sync");
                    for (int i = 0; i < mirrors.size(); i++) {
                        mirrors.get(i).restore(progress[i]);
                    }
                    throw e;
                }
            } finally {
                st.execute("PRAGMA query_only = 1");
            }
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    /**
     * The table's DDL. Each column carries a comment with its osquery type, options and
     * description, which {@code .schema} shows.
     */
    public static String createTableSql(Table table) {
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(quote(table.name())).append(" (\n");
        List<Column> columns = table.columns();
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            sql.append("  ").append(quote(c.name())).append(' ').append(c.type().sqliteType());
            sql.append(i + 1 < columns.size() ? "," : "");
            sql.append(" -- ").append(c.type());
            for (ColumnOption option : ColumnOption.values()) {
                if (c.has(option)) {
                    sql.append(' ').append(option);
                }
            }
            sql.append(": ").append(c.description().replace('\n', ' ')).append('\n');
        }
        return sql.append(")").toString();
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** One Vajra table and what its SQLite copy already holds. */
    private final class Mirror {
        final Table table;
        final EventTable events; // null when the table has no eids
        final String insertSql;
        long syncedThroughEid;
        long deletedBelowEid;

        Mirror(Table table) {
            this.table = table;
            this.events = table instanceof EventTable && table.columnIndex(EventTable.EID) >= 0
                    ? (EventTable) table : null;
            StringBuilder sql = new StringBuilder("INSERT INTO ").append(quote(table.name())).append(" VALUES (");
            for (int i = 0; i < table.columns().size(); i++) {
                sql.append(i == 0 ? "?" : ", ?");
            }
            this.insertSql = sql.append(')').toString();
        }

        void sync() throws SQLException {
            if (events == null) {
                try (Statement st = connection.createStatement()) {
                    st.execute("DELETE FROM " + quote(table.name()));
                }
                insert(QueryConstraints.NONE);
                return;
            }
            // Read the window first: rows appended while we copy wait for the next sync.
            LongBounds held = events.heldEids();
            if (held.max() > syncedThroughEid) {
                insert(QueryConstraints.builder()
                        .add(EventTable.EID, Operator.GREATER_THAN, syncedThroughEid)
                        .add(EventTable.EID, Operator.LESS_OR_EQUAL, held.max())
                        .build());
                syncedThroughEid = held.max();
            }
            if (held.min() > deletedBelowEid) {
                try (PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM " + quote(table.name()) + " WHERE " + quote(EventTable.EID) + " < ?")) {
                    delete.setLong(1, held.min());
                    delete.executeUpdate();
                }
                deletedBelowEid = held.min();
            }
        }

        long[] progress() {
            return new long[] {syncedThroughEid, deletedBelowEid};
        }

        /** After a rolled-back sync SQLite holds what it held before, and so must we think. */
        void restore(long[] progress) {
            syncedThroughEid = progress[0];
            deletedBelowEid = progress[1];
        }

        private void insert(QueryConstraints constraints) throws SQLException {
            List<Column> columns = table.columns();
            try (PreparedStatement insert = connection.prepareStatement(insertSql)) {
                int[] pending = {0};
                try {
                    table.generate(constraints, row -> {
                        try {
                            bind(insert, columns, row);
                            insert.addBatch();
                            if (++pending[0] == BATCH_ROWS) {
                                insert.executeBatch();
                                pending[0] = 0;
                            }
                            return true;
                        } catch (SQLException e) {
                            throw new SyncFailure(e);
                        }
                    });
                } catch (SyncFailure e) {
                    throw e.sqlException;
                }
                if (pending[0] > 0) {
                    insert.executeBatch();
                }
            }
        }

        private void bind(PreparedStatement insert, List<Column> columns, Object[] row) throws SQLException {
            for (int i = 0; i < columns.size(); i++) {
                Object value = row[i];
                int parameter = i + 1;
                if (value == null) {
                    insert.setNull(parameter, Types.NULL);
                } else if (value instanceof Long) {
                    insert.setLong(parameter, (Long) value);
                } else if (value instanceof String) {
                    insert.setString(parameter, (String) value);
                } else if (value instanceof Double) {
                    insert.setDouble(parameter, (Double) value);
                } else {
                    throw new IllegalStateException(table.name() + "." + columns.get(i).name()
                            + " produced a " + value.getClass().getSimpleName());
                }
            }
        }
    }

    /** Carries a SQLException out of a RowSink, which cannot throw checked exceptions. */
    private static final class SyncFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final SQLException sqlException;

        SyncFailure(SQLException cause) {
            super(cause);
            this.sqlException = cause;
        }
    }
}
