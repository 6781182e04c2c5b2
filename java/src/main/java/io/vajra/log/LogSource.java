package io.vajra.log;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One configured log source.
 *
 * @param glob         absolute path glob (Java's glob syntax) of the files to follow
 * @param category     the name the source's lines are reported under
 * @param include      when present, only lines in which it is found are kept
 * @param exclude      when present, lines in which it is found are dropped
 * @param start        where to start reading a file first seen
 * @param maxLineBytes longest line kept whole; longer lines are cut
 */
public record LogSource(String glob, String category, Optional<Pattern> include, Optional<Pattern> exclude,
        Start start, int maxLineBytes) {

    /** Where reading a file first seen starts. */
    public enum Start { END, BEGINNING }

    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
    /** Least {@code max_line_bytes} the configuration accepts. */
    public static final int MIN_MAX_LINE_BYTES = 256;
    /** Largest {@code max_line_bytes} the configuration accepts. */
    public static final int MAX_MAX_LINE_BYTES = 16 * 1024 * 1024;

    /** The characters that make a glob component more than a literal name. */
    private static final String GLOB_CHARACTERS = "*?[{\\";

    // A record has no room for a compiled matcher; compiling the glob per call would cost a
    // regex compile per file, so matchers are shared by glob text. Bounded: cleared if a long
    // run of configuration changes ever fills it.
    private static final int MAX_CACHED_MATCHERS = 4096;
    private static final Map<String, PathMatcher> MATCHERS = new ConcurrentHashMap<>();

    /**
     * @throws IllegalArgumentException if the glob is not absolute or not a valid glob
     *                                  ({@link java.util.regex.PatternSyntaxException}), or
     *                                  maxLineBytes is not positive
     */
    public LogSource {
        Objects.requireNonNull(glob, "glob");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(include, "include");
        Objects.requireNonNull(exclude, "exclude");
        Objects.requireNonNull(start, "start");
        if (!glob.startsWith("/")) {
            throw new IllegalArgumentException("glob must be an absolute path: " + glob);
        }
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        matcher(glob); // fails on an invalid glob
    }

    /** A source with the defaults: category = glob, no filters, from the end, 64 KiB lines. */
    public LogSource(String glob) {
        this(glob, glob, Optional.empty(), Optional.empty(), Start.END, DEFAULT_MAX_LINE_BYTES);
    }

    private static PathMatcher matcher(String glob) {
        PathMatcher matcher = MATCHERS.get(glob);
        if (matcher == null) {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            if (MATCHERS.size() >= MAX_CACHED_MATCHERS) {
                MATCHERS.clear();
            }
            MATCHERS.put(glob, matcher);
        }
        return matcher;
    }

    /**
     * Whether the absolute file path matches the glob (Java's glob syntax, matched on the whole
     * path; {@code *} and {@code ?} do not cross '/', {@code **} does).
     */
    public boolean matches(Path absolutePath) {
        return matcher(glob).matches(absolutePath);
    }

    /**
     * The deepest directory of the glob without glob characters ({@code *?[{\}): where matching
     * files can lie. E.g. {@code "/var/log/nginx/*.log"} -> /var/log/nginx;
     * {@code "/var/log/*}{@code /app.log"} -> /var/log; {@code "/srv/app.log"} -> /srv.
     */
    public Path fixedDirectory() {
        String[] components = directoryComponents();
        StringBuilder directory = new StringBuilder();
        for (String component : components) {
            if (hasGlobCharacter(component)) {
                break;
            }
            directory.append('/').append(component);
        }
        return Path.of(directory.length() == 0 ? "/" : directory.toString());
    }

    /**
     * Whether files may lie below {@link #fixedDirectory()}'s direct children (the glob has a
     * directory level with glob characters, or {@code **}).
     */
    public boolean spansDirectories() {
        if (glob.contains("**")) {
            return true;
        }
        for (String component : directoryComponents()) {
            if (hasGlobCharacter(component)) {
                return true;
            }
        }
        return false;
    }

    /** The glob's components between the root and the file name. */
    private String[] directoryComponents() {
        int lastSlash = glob.lastIndexOf('/');
        if (lastSlash <= 0) {
            return new String[0];
        }
        return glob.substring(1, lastSlash).split("/", -1);
    }

    private static boolean hasGlobCharacter(String component) {
        for (int i = 0; i < component.length(); i++) {
            if (GLOB_CHARACTERS.indexOf(component.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a line (raw bytes, decoded as UTF-8 with replacement for matching) passes
     * {@code include} (if any; found anywhere in the line) and {@code exclude} (if any).
     */
    public boolean accepts(byte[] line) {
        if (include.isEmpty() && exclude.isEmpty()) {
            return true;
        }
        String text = new String(line, StandardCharsets.UTF_8); // malformed input -> U+FFFD
        if (include.isPresent() && !include.get().matcher(text).find()) {
            return false;
        }
        return exclude.isEmpty() || !exclude.get().matcher(text).find();
    }

    /** Patterns compare by their text and flags (Pattern itself has identity equality). */
    @Override
    public boolean equals(Object other) {
        return other instanceof LogSource that && glob.equals(that.glob) && category.equals(that.category)
                && samePattern(include, that.include) && samePattern(exclude, that.exclude)
                && start == that.start && maxLineBytes == that.maxLineBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(glob, category, patternKey(include), patternKey(exclude), start, maxLineBytes);
    }

    private static boolean samePattern(Optional<Pattern> a, Optional<Pattern> b) {
        return patternKey(a).equals(patternKey(b));
    }

    private static Optional<String> patternKey(Optional<Pattern> pattern) {
        return pattern.map(p -> p.flags() + "/" + p.pattern());
    }
}
