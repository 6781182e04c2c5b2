package io.vajra.fim;

import java.util.Objects;

/**
 * A directory a kernel-side filter must watch for FIM.
 *
 * @param path      absolute directory path without a trailing {@code /} ({@code /} for the root)
 * @param recursive whether paths deeper than its direct children are of interest, so that its
 *                  subdirectories (including new ones) must be followed
 */
public record WatchRoot(String path, boolean recursive) implements Comparable<WatchRoot> {
    public WatchRoot {
        Objects.requireNonNull(path, "path");
    }

    /** Whether {@code other} lies strictly below this root's directory. */
    public boolean isAncestorOf(String other) {
        if (path.equals("/")) {
            return other.length() > 1 && other.startsWith("/");
        }
        return other.length() > path.length() && other.startsWith(path) && other.charAt(path.length()) == '/';
    }

    @Override
    public int compareTo(WatchRoot other) {
        int byPath = path.compareTo(other.path);
        return byPath != 0 ? byPath : Boolean.compare(recursive, other.recursive);
    }
}
