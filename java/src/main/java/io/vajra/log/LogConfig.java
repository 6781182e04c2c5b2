package io.vajra.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.vajra.config.ConfigException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The application log sources of the {@code vajra.log_files} configuration key, in configured
 * order. Immutable.
 *
 * <pre>{@code
 * [ {"path": "/var/log/nginx/*.log", "category": "nginx", "include": "ERROR|WARN",
 *    "exclude": "healthcheck", "start": "end", "max_line_bytes": 65536},
 *   "/var/log/app.log" ]
 * }</pre>
 *
 * <p>An element is a path glob or an object with {@code path} (required) and the optional
 * {@code category} (default: the path), {@code include} and {@code exclude} (regular
 * expressions found anywhere in a line), {@code start} ({@code "end"} or {@code "beginning"})
 * and {@code max_line_bytes} (256 to 16777216, default 65536). An optional key given as
 * {@code null} counts as absent; any other key is an error.
 */
public final class LogConfig {
    public static final LogConfig EMPTY = new LogConfig(List.of());

    public static final String PATH = "path";
    public static final String CATEGORY = "category";
    public static final String INCLUDE = "include";
    public static final String EXCLUDE = "exclude";
    public static final String START = "start";
    public static final String MAX_LINE_BYTES = "max_line_bytes";
    private static final List<String> KEYS = List.of(PATH, CATEGORY, INCLUDE, EXCLUDE, START, MAX_LINE_BYTES);

    /** Most problems spelled out in one exception message; the count covers all. */
    private static final int MAX_LISTED = 20;

    // As VajraConfigParser: osquery strips # and // comment lines from its config.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(JsonReadFeature.ALLOW_YAML_COMMENTS)
            .build();

    private final List<LogSource> sources;

    public LogConfig(List<LogSource> sources) {
        this.sources = List.copyOf(sources);
    }

    /** The sources in configured order; the same path may appear more than once. */
    public List<LogSource> sources() {
        return sources;
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }

    /**
     * Parses the JSON value of {@code log_files}.
     *
     * @param json  the value's JSON text; null, blank, {@code null} and {@code []} give {@link #EMPTY}
     * @param where what to call the value in messages, e.g.
     *              {@code "config source /etc/osquery/osquery.conf: vajra.log_files"}
     * @throws ConfigException listing every problem found, each prefixed with
     *                         {@code where[index].key}
     */
    public static LogConfig parse(String json, String where) throws ConfigException {
        if (json == null || json.isBlank()) {
            return EMPTY;
        }
        List<String> problems = new ArrayList<>();
        List<LogSource> sources = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(json)) {
            JsonToken token = parser.nextToken();
            if (token == JsonToken.START_ARRAY) {
                int index = 0;
                while ((token = parser.nextToken()) != JsonToken.END_ARRAY && token != null) {
                    readElement(parser, where + "[" + index++ + "]", problems).ifPresent(sources::add);
                }
            } else if (token != JsonToken.VALUE_NULL) {
                problems.add(where + " must be an array of paths or objects, not " + describe(parser));
            }
            if (parser.nextToken() != null) {
                problems.add(where + " has content after its JSON value" + at(parser.currentLocation()));
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(where + " is not valid JSON" + at(e.getLocation()) + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(describe(problems));
        }
        return sources.isEmpty() ? EMPTY : new LogConfig(sources);
    }

    private static Optional<LogSource> readElement(JsonParser parser, String at, List<String> problems)
            throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            String path = parser.getText();
            return validPath(path, at, problems) ? Optional.of(new LogSource(path)) : Optional.empty();
        }
        if (token != JsonToken.START_OBJECT) {
            problems.add(at + " must be a path string or an object, not " + describe(parser));
            return Optional.empty();
        }
        int problemsBefore = problems.size();
        String path = null;
        boolean pathGiven = false;
        String category = null;
        Optional<Pattern> include = Optional.empty();
        Optional<Pattern> exclude = Optional.empty();
        LogSource.Start start = LogSource.Start.END;
        int maxLineBytes = LogSource.DEFAULT_MAX_LINE_BYTES;
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            String field = at + "." + key;
            if (!KEYS.contains(key)) {
                problems.add(field + " is not a known key (known: " + String.join(", ", KEYS) + ")");
                parser.skipChildren();
                continue;
            }
            if (!seen.add(key)) {
                problems.add(field + " is given more than once");
                parser.skipChildren();
                continue;
            }
            if (key.equals(PATH)) {
                pathGiven = true;
                String text = string(parser, field, problems);
                if (text != null && validPath(text, field, problems)) {
                    path = text;
                }
                continue;
            }
            if (value == JsonToken.VALUE_NULL) {
                continue; // an optional key set to null is absent
            }
            switch (key) {
                case CATEGORY -> {
                    String text = string(parser, field, problems);
                    if (text != null && text.isEmpty()) {
                        problems.add(field + " must not be empty");
                    } else if (text != null) {
                        category = text;
                    }
                }
                case INCLUDE -> include = regex(parser, field, problems);
                case EXCLUDE -> exclude = regex(parser, field, problems);
                case START -> {
                    String text = string(parser, field, problems);
                    if (text != null) {
                        switch (text.toLowerCase(Locale.ROOT)) {
                            case "end" -> start = LogSource.Start.END;
                            case "beginning" -> start = LogSource.Start.BEGINNING;
                            default -> problems.add(field + " must be \"end\" or \"beginning\", not \"" + text + "\"");
                        }
                    }
                }
                case MAX_LINE_BYTES -> maxLineBytes = integer(parser, field, problems,
                        LogSource.MIN_MAX_LINE_BYTES, LogSource.MAX_MAX_LINE_BYTES, maxLineBytes);
                default -> throw new IllegalStateException(key);
            }
        }
        if (!pathGiven) {
            problems.add(at + " has no \"" + PATH + "\"");
        }
        if (problems.size() != problemsBefore || path == null) {
            return Optional.empty();
        }
        return Optional.of(new LogSource(path, category == null ? path : category, include, exclude, start,
                maxLineBytes));
    }

    /** Checks a path glob, adding a problem to the list if it is not usable. */
    private static boolean validPath(String path, String field, List<String> problems) {
        String problem = pathProblem(path);
        if (problem != null) {
            problems.add(field + problem);
            return false;
        }
        return true;
    }

    private static String pathProblem(String path) {
        if (path.isEmpty()) {
            return " must not be empty";
        }
        if (path.indexOf('\0') >= 0) {
            return " must not contain a NUL character";
        }
        if (!path.startsWith("/")) {
            return " must be an absolute path (start with '/'), not \"" + path + "\"";
        }
        if (path.endsWith("/")) {
            return " must name files, not end with '/': \"" + path + "\"";
        }
        for (String component : path.substring(1).split("/", -1)) {
            if (component.isEmpty() || component.equals(".") || component.equals("..")) {
                // Matched against normalized absolute paths, such a glob would never match.
                return " must not contain \"//\", \".\" or \"..\" components: \"" + path + "\"";
            }
        }
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + path);
        } catch (PatternSyntaxException e) {
            return ": invalid glob \"" + path + "\": " + reason(e);
        } catch (IllegalArgumentException e) {
            return ": invalid glob \"" + path + "\": " + e.getMessage();
        }
        return null;
    }

    private static Optional<Pattern> regex(JsonParser parser, String field, List<String> problems)
            throws IOException {
        String text = string(parser, field, problems);
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pattern.compile(text));
        } catch (PatternSyntaxException e) {
            problems.add(field + ": invalid regular expression \"" + text + "\": " + reason(e));
            return Optional.empty();
        }
    }

    private static String reason(PatternSyntaxException e) {
        return e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "");
    }

    /** The string under the parser, or null after adding a problem. */
    private static String string(JsonParser parser, String field, List<String> problems) throws IOException {
        if (parser.currentToken() == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        problems.add(field + " must be a string, not " + describe(parser));
        return null;
    }

    /** An integer as a JSON number or a string of digits (as osquery's options), or fallback after a problem. */
    private static int integer(JsonParser parser, String field, List<String> problems, int min, int max,
            int fallback) throws IOException {
        long value;
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            value = parser.getLongValue();
        } else if (token == JsonToken.VALUE_STRING && parser.getText().strip().matches("-?[0-9]{1,18}")) {
            value = Long.parseLong(parser.getText().strip());
        } else {
            problems.add(field + " must be an integer, not " + describe(parser));
            return fallback;
        }
        if (value < min || value > max) {
            problems.add(field + " must be between " + min + " and " + max + ", not " + value);
            return fallback;
        }
        return (int) value;
    }

    private static String describe(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
            String kind = token == JsonToken.START_OBJECT ? "an object" : "an array";
            parser.skipChildren();
            return kind;
        }
        return token == JsonToken.VALUE_STRING ? "\"" + parser.getText() + "\"" : parser.getText();
    }

    private static String describe(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        StringBuilder text = new StringBuilder().append(problems.size()).append(" problems: ");
        for (int i = 0; i < Math.min(problems.size(), MAX_LISTED); i++) {
            text.append(i == 0 ? "" : "; ").append(problems.get(i));
        }
        if (problems.size() > MAX_LISTED) {
            text.append("; and ").append(problems.size() - MAX_LISTED).append(" more");
        }
        return text.toString();
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " at line " + location.getLineNr() + " column " + location.getColumnNr();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LogConfig that && sources.equals(that.sources);
    }

    @Override
    public int hashCode() {
        return sources.hashCode();
    }

    @Override
    public String toString() {
        return "LogConfig" + sources;
    }
}
