package io.vajra.shell;

import io.vajra.table.Table;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;

/**
 * The standalone SQL shell over a {@link LiveDatabase}. Interactive on a terminal (JLine,
 * history, statements spanning lines until ';', dot-commands); otherwise one line at a time,
 * each run as soon as it arrives, results flushed after each statement.
 *
 * <p>An error in a statement is printed as {@code Error: <message>} on the error stream and
 * the shell goes on: bad input must never stop collection.
 */
public final class Shell {
    public static final String PROMPT = "vajra> ";
    public static final String CONTINUATION_PROMPT = "   ...> ";

    /** sqlite-jdbc wraps SQLite's message: "[SQLITE_ERROR] SQL error or missing database (no such table: x)". */
    private static final Pattern DRIVER_MESSAGE = Pattern.compile("\\[SQLITE_[A-Z_]+][^(]*\\((.*)\\)", Pattern.DOTALL);

    private static final String HELP = String.join("\n",
            ".help                 Show this help",
            ".tables               List the tables",
            ".schema [TABLE]       Show the CREATE statement of one table or all, with column notes",
            ".mode [MODE]          Show or set the output mode: pretty, line, csv, list, json, jsonl",
            ".quit, .exit          Leave the shell",
            "",
            "Statements end with ';' and may span lines. Tables are refreshed before every statement.",
            "Unlike osqueryd, SELECT * also shows hidden columns (eid, time, json_cmdline, ...):",
            "here they are ordinary SQLite columns. The database is read-only.",
            "In pretty mode, newlines and tabs inside values are shown as \\n and \\t.");

    private final LiveDatabase database;
    private final PrintWriter out;
    private final PrintWriter err;
    private OutputMode mode;
    private volatile Statement running;

    public Shell(LiveDatabase database, PrintWriter out, PrintWriter err, OutputMode mode) {
        this.database = database;
        this.out = out;
        this.err = err;
        this.mode = mode;
    }

    public OutputMode mode() {
        return mode;
    }

    /**
     * Non-interactive: every line is run when it arrives — a dot-command, or one or more
     * statements (the last ';' may be left out). Returns at end of input or on .quit.
     */
    public void runLines(BufferedReader in) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            if (!runLine(line)) {
                return;
            }
        }
    }

    /**
     * Runs one line of input.
     *
     * @return false when the line asked to quit
     */
    public boolean runLine(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            return true;
        }
        if (trimmed.startsWith(".")) {
            return dotCommand(trimmed);
        }
        runStatements(line);
        return true;
    }

    /**
     * Runs every statement in the text, in order; the last one needs no ';'.
     *
     * @return whether all succeeded
     */
    public boolean runStatements(String text) {
        StatementSplitter.Split split = StatementSplitter.split(text);
        boolean ok = true;
        for (String statement : split.statements()) {
            ok &= execute(statement);
        }
        if (split.remainderHasSql()) {
            ok &= execute(split.remainder().strip());
        }
        return ok;
    }

    /**
     * Interactive: a JLine prompt with history in {@code historyFile}. Ctrl-C drops the
     * statement being typed, or cancels the one running; Ctrl-D leaves.
     */
    public void runInteractive(Terminal terminal, Path historyFile) {
        // Lines are SQL, not shell words: JLine must not interpret quotes or backslashes.
        DefaultParser sqlLines = new DefaultParser();
        sqlLines.setEscapeChars(null);
        sqlLines.setQuoteChars(new char[0]);
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("vajra")
                .parser(sqlLines)
                .variable(LineReader.HISTORY_FILE, historyFile)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' in "!=" is SQL
                .build();
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> cancelRunning());
        out.println("Vajra interactive shell. Enter \".help\" for instructions.");
        out.flush();
        StringBuilder pending = new StringBuilder();
        try {
            while (true) {
                String line;
                try {
                    line = reader.readLine(pending.length() == 0 ? PROMPT : CONTINUATION_PROMPT);
                } catch (UserInterruptException e) {
                    pending.setLength(0);
                    continue;
                } catch (EndOfFileException e) {
                    return;
                }
                if (pending.length() == 0 && line.strip().startsWith(".")) {
                    if (!dotCommand(line.strip())) {
                        return;
                    }
                    continue;
                }
                pending.append(line).append('\n');
                StatementSplitter.Split split = StatementSplitter.split(pending.toString());
                for (String statement : split.statements()) {
                    execute(statement);
                }
                pending.setLength(0);
                if (split.remainderHasSql()) {
                    pending.append(split.remainder());
                }
            }
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
            saveHistory(reader, historyFile);
        }
    }

    /**
     * Syncs the tables and runs one statement, printing its rows.
     *
     * @return whether it succeeded (an error has been printed otherwise)
     */
    public boolean execute(String sql) {
        try {
            database.sync(sql);
        } catch (SQLException | RuntimeException e) {
            return error("cannot refresh the tables: " + message(e));
        }
        try (Statement statement = database.connection().createStatement()) {
            running = statement;
            if (statement.execute(sql)) {
                try (ResultSet rs = statement.getResultSet()) {
                    ResultPrinter.print(rs, mode, out);
                }
            }
            return true;
        } catch (SQLException | IOException | RuntimeException e) {
            return error(message(e));
        } finally {
            running = null;
            out.flush();
        }
    }

    /** @return false when the command asked to quit */
    boolean dotCommand(String line) {
        String[] words = line.split("\\s+");
        switch (words[0]) {
            case ".quit":
            case ".exit":
                return false;
            case ".help":
                out.println(HELP);
                break;
            case ".tables":
                for (Table table : database.tables()) {
                    out.println("  => " + table.name());
                }
                break;
            case ".schema":
                schema(words.length > 1 ? words[1] : null);
                break;
            case ".mode":
                if (words.length == 1) {
                    out.println("current output mode: " + mode.modeName());
                } else if (OutputMode.named(words[1]) != null) {
                    mode = OutputMode.named(words[1]);
                } else {
                    error("unknown mode \"" + words[1] + "\": use pretty, line, csv, list, json or jsonl");
                }
                break;
            default:
                error("unknown command or invalid arguments: \"" + words[0].substring(1)
                        + "\". Enter \".help\" for help");
        }
        out.flush();
        return true;
    }

    private void schema(String tableName) {
        boolean found = false;
        for (Table table : database.tables()) {
            if (tableName == null || table.name().equals(tableName)) {
                out.println(LiveDatabase.createTableSql(table) + ";");
                found = true;
            }
        }
        if (!found) {
            error("no such table: " + tableName);
        }
    }

    private void cancelRunning() {
        Statement statement = running;
        if (statement != null) {
            try {
                statement.cancel();
            } catch (SQLException ignored) {
                // It finished meanwhile.
            }
        }
    }

    private boolean error(String message) {
        out.flush();
        err.println("Error: " + message);
        err.flush();
        return false;
    }

    static String message(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Matcher driver = DRIVER_MESSAGE.matcher(message);
        return driver.matches() ? driver.group(1) : message;
    }

    private void saveHistory(LineReader reader, Path historyFile) {
        try {
            Files.createDirectories(historyFile.toAbsolutePath().getParent());
            reader.getHistory().save();
        } catch (IOException | RuntimeException e) {
            error("cannot save history to " + historyFile + ": " + message(e));
        }
    }
}
