package io.vajra.cli;

import io.vajra.bpf.ProbeException;
import io.vajra.shell.OutputMode;
import io.vajra.shell.Shell;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The {@code vajra} command: {@code vajra shell}, {@code vajra query} and
 * {@code vajra extension} (osquery extension mode). Streams and the
 * probe launcher are injected so the whole CLI runs in tests without a kernel.
 *
 * <p>Exit codes: 0 success, 1 the probes or a query failed, 2 bad command-line usage.
 */
@Command(name = "vajra", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Real-time process events from eBPF, as osquery tables, with a standalone SQL shell.",
        subcommands = {Main.ShellCommand.class, Main.QueryCommand.class, ExtensionCommand.class})
public final class Main implements Callable<Integer> {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private final Probes.Launcher launcher;
    private final InputStream in;
    private final PrintWriter out;
    private final PrintWriter err;
    private final BooleanSupplier stdinIsTerminal;

    Main(Probes.Launcher launcher, InputStream in, OutputStream out, OutputStream err, BooleanSupplier stdinIsTerminal) {
        this.launcher = launcher;
        this.in = in;
        // UTF-8 whatever the locale: paths and arguments are UTF-8 text (or escaped bytes).
        this.out = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        this.err = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8));
        this.stdinIsTerminal = stdinIsTerminal;
    }

    public static void main(String[] args) {
        Main main = new Main(Probes.KERNEL, System.in, System.out, System.err, Main::isStdinTerminal);
        System.exit(main.execute(args));
    }

    /** Runs the command line; returns the exit code. */
    public int execute(String... args) {
        CommandLine commandLine = new CommandLine(this)
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true);
        try {
            return commandLine.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    Probes.Launcher launcher() {
        return launcher;
    }

    PrintWriter err() {
        return err;
    }

    /** {@code vajra} alone: say how to use it. */
    @Override
    public Integer call() {
        new CommandLine(this).usage(err);
        return EXIT_USAGE;
    }

    @Command(name = "shell", mixinStandardHelpOptions = true,
            description = {"SQL over the live tables.",
                "On a terminal: an interactive prompt (statements end with ';', .help for more).",
                "Otherwise: each line of standard input is run as it arrives."})
    static final class ShellCommand implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Mixin
        CollectorOptions collector;

        @Option(names = "--json", description = "Print JSON lines: one object per row, column -> value.")
        boolean json;

        @Override
        public Integer call() {
            return main.runShell(collector, json);
        }
    }

    @Command(name = "query", mixinStandardHelpOptions = true,
            description = "Collect for a while, run SQL once against the tables, print and exit.")
    static final class QueryCommand implements Callable<Integer> {
        @ParentCommand
        Main main;

        @Mixin
        CollectorOptions collector;

        @Parameters(index = "0", paramLabel = "SQL", description = "The statement(s) to run.")
        String sql;

        @Option(names = "--collect", paramLabel = "DURATION", defaultValue = "0", converter = DurationText.class,
                description = "Collect this long before querying, e.g. 5s (default: ${DEFAULT-VALUE} s).")
        Duration collect;

        @Option(names = "--json", description = "Print JSON lines: one object per row, column -> value.")
        boolean json;

        @Override
        public Integer call() {
            return main.runQuery(collector, sql, collect, json);
        }
    }

    int runShell(CollectorOptions options, boolean json) {
        try (Session session = Session.start(options, launcher, this::note)) {
            Shell shell = new Shell(session.database(), out, err, json ? OutputMode.JSONL : OutputMode.PRETTY);
            if (stdinIsTerminal.getAsBoolean()) {
                try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
                    shell.runInteractive(terminal, Path.of(System.getProperty("user.home"), ".vajra_history"));
                }
            } else {
                shell.runLines(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
            }
            return 0;
        } catch (ProbeException | SQLException | IOException e) {
            return fail(EXIT_FAILURE, e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(EXIT_USAGE, e.getMessage());
        }
    }

    int runQuery(CollectorOptions options, String sql, Duration collect, boolean json) {
        try (Session session = Session.start(options, launcher, this::note)) {
            sleep(collect);
            Shell shell = new Shell(session.database(), out, err, json ? OutputMode.JSONL : OutputMode.PRETTY);
            return shell.runStatements(sql) ? 0 : EXIT_FAILURE;
        } catch (ProbeException | SQLException e) {
            return fail(EXIT_FAILURE, e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(EXIT_USAGE, e.getMessage());
        }
    }

    /** A line for the user on stderr, e.g. what FIM watches now. */
    private void note(String line) {
        synchronized (err) {
            err.println("vajra: " + line);
            err.flush();
        }
    }

    private int fail(int code, String message) {
        out.flush();
        err.println("vajra: " + message);
        err.flush();
        return code;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // query what was collected so far
        }
    }

    /** Java can only tell whether stdin *and* stdout are terminals; Linux tells about stdin alone. */
    static boolean isStdinTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return System.console() != null;
        }
    }

    /** The version Maven wrote into vajra.properties, or "unknown". */
    static String version() {
        Properties properties = new Properties();
        try (InputStream resource = Main.class.getResourceAsStream("/vajra.properties")) {
            if (resource != null) {
                properties.load(resource);
            }
        } catch (IOException ignored) {
            // Reported as unknown below.
        }
        return properties.getProperty("version", "unknown");
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"vajra " + version()};
        }
    }
}
