package io.vajra.osquery;

import java.io.PrintWriter;

/**
 * The extension's log: plain "vajra: ..." lines on stderr, which osqueryd captures into its
 * own log. Detail lines appear only with {@code --verbose} (osqueryd passes it when it is
 * verbose itself). Thread-safe; every line is flushed at once so nothing is lost on exit.
 */
public final class ExtensionLog {
    private final PrintWriter out;
    private final boolean verbose;

    public ExtensionLog(PrintWriter out, boolean verbose) {
        this.out = out;
        this.verbose = verbose;
    }

    public boolean isVerbose() {
        return verbose;
    }

    public void info(String message) {
        line(message);
    }

    public void warn(String message) {
        line("warning: " + message);
    }

    /** Only with --verbose. */
    public void detail(String message) {
        if (verbose) {
            line(message);
        }
    }

    private synchronized void line(String message) {
        out.println("vajra: " + message);
        out.flush();
    }
}
