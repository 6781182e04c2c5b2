package io.vajra.fim;

import io.vajra.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One FIM path pattern in osquery's syntax, as written under {@code file_paths} or
 * {@code exclude_paths}.
 *
 * <ul>
 *   <li>{@code %} matches one path level: {@code /etc/%} matches {@code /etc/hosts} and the
 *       directory entry {@code /etc/ssh}, but nothing inside {@code /etc/ssh}.</li>
 *   <li>{@code %abc}, {@code abc%} (and {@code a%c}) match within one level by suffix, prefix
 *       (or both); {@code %} may match nothing here, so {@code abc%} matches {@code abc}.</li>
 *   <li>{@code %%} matches recursively: {@code /etc/%%} matches everything below {@code /etc}
 *       (not {@code /etc} itself); {@code /var/log/app%%} matches every entry of
 *       {@code /var/log} starting with {@code app} and everything below them. {@code %%} may
 *       only end a pattern.</li>
 *   <li>A trailing {@code /} means the files within the directory: {@code /etc/} is
 *       {@code /etc/%}.</li>
 *   <li>{@code *} and {@code **} are accepted as spellings of {@code %} and {@code %%}, as
 *       osquery accepts them.</li>
 *   <li>A pattern without wildcards matches exactly that path.</li>
 * </ul>
 *
 * Patterns must be absolute; repeated {@code /} are collapsed; {@code .} and {@code ..}
 * levels are refused rather than resolved (a path's meaning under symlinks is not lexical).
 * Matching is exact and case sensitive on the path text, which is expected to be absolute and
 * canonical (as the kernel reports it). Instances are immutable; equality is by
 * {@link #normalized()} form.
 */
public final class PathPattern {
    private static final char WILDCARD = '%';

    private final String text;
    private final String normalized;
    private final Pattern regex;
    private final String watchRoot;
    private final boolean recursive;
    private final boolean hasWildcard;

    private PathPattern(String text, String normalized, Pattern regex, String watchRoot, boolean recursive,
            boolean hasWildcard) {
        this.text = text;
        this.normalized = normalized;
        this.regex = regex;
        this.watchRoot = watchRoot;
        this.recursive = recursive;
        this.hasWildcard = hasWildcard;
    }

    /**
     * @param text the pattern as configured
     * @throws ConfigException saying what is wrong with the pattern (the message starts with
     *     the pattern, quoted)
     */
    public static PathPattern parse(String text) throws ConfigException {
        if (text == null || text.isEmpty()) {
            throw new ConfigException("pattern \"\" is empty");
        }
        String quoted = quote(text);
        if (text.indexOf('\0') >= 0) {
            throw new ConfigException("pattern " + quoted + " contains a NUL character");
        }
        if (text.charAt(0) != '/') {
            throw new ConfigException("pattern " + quoted + " must be an absolute path (start with /)");
        }
        String expanded = text.replace('*', WILDCARD);
        if (expanded.endsWith("/")) {
            expanded += WILDCARD; // the files within the directory
        }
        List<String> levels = new ArrayList<>();
        for (String level : expanded.split("/")) {
            if (level.isEmpty()) {
                continue; // leading or repeated '/'
            }
            if (level.equals(".") || level.equals("..")) {
                throw new ConfigException("pattern " + quoted + " must not contain \"" + level + "\" levels");
            }
            levels.add(level);
        }
        if (levels.isEmpty()) {
            throw new ConfigException("pattern " + quoted + " names no file"); // unreachable: "/" became "/%"
        }
        StringBuilder regex = new StringBuilder();
        int firstWildcard = -1;
        boolean recursiveTail = false;
        for (int i = 0; i < levels.size(); i++) {
            String level = levels.get(i);
            boolean last = i == levels.size() - 1;
            regex.append('/');
            if (level.indexOf(WILDCARD) >= 0 && firstWildcard < 0) {
                firstWildcard = i;
            }
            if (level.equals("%")) {
                regex.append("[^/]+"); // a whole level is never empty
                continue;
            }
            if (level.equals("%%") && last) {
                regex.append("[^/].*");
                recursiveTail = true;
                continue;
            }
            int start = 0;
            int at;
            while ((at = level.indexOf(WILDCARD, start)) >= 0) {
                if (at > start) {
                    regex.append(Pattern.quote(level.substring(start, at)));
                }
                int end = at;
                while (end < level.length() && level.charAt(end) == WILDCARD) {
                    end++;
                }
                int run = end - at;
                if (run > 2) {
                    throw new ConfigException("pattern " + quoted + " has " + run
                            + " wildcards in a row; use % (one level) or %% (recursive)");
                }
                if (run == 2) {
                    if (!last || end != level.length()) {
                        throw new ConfigException("pattern " + quoted + ": %% may only end a pattern");
                    }
                    regex.append(".*");
                    recursiveTail = true;
                } else {
                    regex.append("[^/]*");
                }
                start = end;
            }
            if (start < level.length()) {
                regex.append(Pattern.quote(level.substring(start)));
            }
        }
        String normalized = "/" + String.join("/", levels);
        String root;
        boolean recursive;
        if (firstWildcard < 0) {
            // An exact path: it is a direct child of its parent directory.
            root = directory(levels, levels.size() - 1);
            recursive = false;
        } else {
            root = directory(levels, firstWildcard);
            recursive = recursiveTail || firstWildcard < levels.size() - 1;
        }
        return new PathPattern(text, normalized, Pattern.compile(regex.toString(), Pattern.DOTALL), root, recursive,
                firstWildcard >= 0);
    }

    private static String directory(List<String> levels, int count) {
        return "/" + String.join("/", levels.subList(0, count));
    }

    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\u%04x", c));
                    } else {
                        quoted.appendCodePoint(c);
                    }
                }
            }
        });
        return quoted.append('"').toString();
    }

    /** Whether this pattern covers {@code absolutePath} (exact text, no normalisation). */
    public boolean matches(String absolutePath) {
        Objects.requireNonNull(absolutePath, "absolutePath");
        return regex.matcher(absolutePath).matches();
    }

    /**
     * The deepest directory without a wildcard that holds every path this pattern matches: what
     * a kernel-side filter watches. For an exact path it is the parent directory.
     */
    public String watchRoot() {
        return watchRoot;
    }

    /**
     * Whether matches may lie deeper than the direct children of {@link #watchRoot()}, so that
     * subdirectories below the root (including ones created later) must be followed.
     */
    public boolean recursive() {
        return recursive;
    }

    /** Whether the pattern has a wildcard; without one it names a single path. */
    public boolean hasWildcard() {
        return hasWildcard;
    }

    /** The pattern as configured. */
    public String text() {
        return text;
    }

    /** The pattern with {@code *} as {@code %}, a trailing {@code /} as {@code /%} and no repeated {@code /}. */
    public String normalized() {
        return normalized;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PathPattern that && normalized.equals(that.normalized);
    }

    @Override
    public int hashCode() {
        return normalized.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
