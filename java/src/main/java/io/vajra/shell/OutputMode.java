package io.vajra.shell;

import java.util.Locale;

/** How the shell prints results; the names are what {@code .mode} accepts. */
public enum OutputMode {
    /** A box table, as osqueryi draws it. */
    PRETTY,
    /** One "column = value" line per column, a blank line between rows. */
    LINE,
    /** RFC 4180 CSV with a header row. */
    CSV,
    /** Values separated by '|', with a header row. */
    LIST,
    /** One JSON array of objects per statement. */
    JSON,
    /** One JSON object per row and line ({@code --json}). */
    JSONL;

    public String modeName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the mode with that name, or null */
    public static OutputMode named(String name) {
        for (OutputMode mode : values()) {
            if (mode.modeName().equals(name)) {
                return mode;
            }
        }
        return null;
    }
}
