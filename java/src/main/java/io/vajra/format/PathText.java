package io.vajra.format;

/** Path text helpers for paths the kernel could not resolve for us. */
public final class PathText {
    private PathText() {}

    /**
     * Resolves a path as a caller gave it (a failed exec's filename) against the caller's
     * working directory. Only "." components and repeated slashes are folded: ".." is kept,
     * because folding it without the file system would be wrong across symbolic links.
     *
     * @return {@code given} unchanged when absolute, or when {@code cwd} is unknown (empty)
     */
    public static String resolve(String cwd, String given) {
        if (given.startsWith("/") || cwd.isEmpty() || given.isEmpty()) {
            return given;
        }
        StringBuilder out = new StringBuilder(cwd.length() + given.length() + 1);
        appendComponents(out, cwd);
        appendComponents(out, given);
        return out.length() == 0 ? "/" : out.toString();
    }

    private static void appendComponents(StringBuilder out, String path) {
        int i = 0;
        while (i <= path.length()) {
            int slash = path.indexOf('/', i);
            int end = slash < 0 ? path.length() : slash;
            if (end > i && !(end - i == 1 && path.charAt(i) == '.')) {
                out.append('/').append(path, i, end);
            }
            if (slash < 0) {
                break;
            }
            i = slash + 1;
        }
    }
}
