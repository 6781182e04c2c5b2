package io.vajra.fim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.vajra.config.ConfigException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the FIM keys ({@code file_paths}, {@code exclude_paths}, {@code file_accesses},
 * {@code file_paths_query}) from the top level of osquery's configuration sources and merges
 * them: each category's list is the union over all sources, in first-seen order.
 *
 * <p>Every problem in every source is collected, so one error reports them all; a source that
 * is not valid JSON stops being read at the fault. A JSON {@code null} for a whole key counts
 * as absent; anywhere else it is a wrong type.
 */
final class FimConfigParser {
    static final String FILE_PATHS = "file_paths";
    static final String EXCLUDE_PATHS = "exclude_paths";
    static final String FILE_ACCESSES = "file_accesses";
    static final String FILE_PATHS_QUERY = "file_paths_query";

    /** Problems listed in one error at most; the rest are counted. */
    static final int MAX_LISTED = 20;

    // osquery strips # and // comment lines from its config; accept them (and /* */) too.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(JsonReadFeature.ALLOW_YAML_COMMENTS)
            .build();

    private FimConfigParser() {}

    static FimConfig parse(Map<String, String> sources) throws ConfigException {
        Merged merged = new Merged();
        for (Map.Entry<String, String> source : sources.entrySet()) {
            String text = source.getValue();
            if (text == null || text.isBlank()) {
                continue; // osquery reports a missing optional source as empty text
            }
            String name = "config source " + source.getKey();
            try (JsonParser parser = JSON.createParser(text)) {
                readSource(parser, name, merged);
            } catch (JsonProcessingException e) {
                merged.problems.add(name + " is not valid JSON" + at(e.getLocation()) + ": " + e.getOriginalMessage());
            } catch (IOException | RuntimeException e) {
                merged.problems.add(name + " could not be read: " + e);
            }
        }
        if (!merged.problems.isEmpty()) {
            throw new ConfigException(describe(merged.problems));
        }
        return merged.build();
    }

    private static String describe(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        StringBuilder text = new StringBuilder(problems.size() + " problems in the FIM configuration: ");
        for (int i = 0; i < Math.min(problems.size(), MAX_LISTED); i++) {
            text.append(i == 0 ? "" : "; ").append(problems.get(i));
        }
        if (problems.size() > MAX_LISTED) {
            text.append("; and ").append(problems.size() - MAX_LISTED).append(" more");
        }
        return text.toString();
    }

    private static void readSource(JsonParser parser, String source, Merged merged) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            merged.problems.add(source + " is not a JSON object");
            return;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            if (value == JsonToken.VALUE_NULL) {
                continue;
            }
            String where = source + ": " + key;
            switch (key) {
                case FILE_PATHS -> readMap(parser, where, merged, merged.filePaths, true);
                case EXCLUDE_PATHS -> readMap(parser, where, merged, merged.excludePaths, true);
                case FILE_PATHS_QUERY -> readMap(parser, where, merged, merged.filePathsQuery, false);
                case FILE_ACCESSES -> {
                    if (value != JsonToken.START_ARRAY) {
                        merged.problems.add(where + " must be an array of category names, not " + describe(parser));
                        break;
                    }
                    int index = 0;
                    while (nextInArray(parser)) {
                        if (parser.currentToken() == JsonToken.VALUE_STRING) {
                            merged.fileAccesses.add(parser.getText());
                        } else {
                            merged.problems.add(where + "[" + index + "] must be a string, not " + describe(parser));
                        }
                        index++;
                    }
                }
                default -> parser.skipChildren();
            }
        }
        if (parser.nextToken() != null) {
            merged.problems.add(source + " has content after its JSON object" + at(parser.currentLocation()));
        }
    }

    /**
     * Reads {@code {"category": ["...", ...], ...}} into {@code target}, as path patterns when
     * {@code patterns} is set, else as plain strings.
     */
    private static void readMap(JsonParser parser, String where, Merged merged, Map<String, Set<Object>> target,
            boolean patterns) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            merged.problems.add(where + " must be an object of category -> array of "
                    + (patterns ? "patterns" : "queries") + ", not " + describe(parser));
            return;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String category = parser.currentName();
            String at = where + "." + category;
            parser.nextToken();
            if (parser.currentToken() != JsonToken.START_ARRAY) {
                merged.problems.add(at + " must be an array of " + (patterns ? "patterns" : "queries") + ", not "
                        + describe(parser));
                continue;
            }
            Set<Object> values = target.computeIfAbsent(category, c -> new LinkedHashSet<>());
            int index = 0;
            while (nextInArray(parser)) {
                String item = at + "[" + index++ + "]";
                if (parser.currentToken() != JsonToken.VALUE_STRING) {
                    merged.problems.add(item + " must be a string, not " + describe(parser));
                } else if (!patterns) {
                    values.add(parser.getText());
                } else {
                    try {
                        values.add(PathPattern.parse(parser.getText()));
                    } catch (ConfigException e) {
                        merged.problems.add(item + ": " + e.getMessage());
                    }
                }
            }
        }
    }

    private static boolean nextInArray(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            throw new IOException("unexpected end of input inside an array"); // jackson reports this itself
        }
        return token != JsonToken.END_ARRAY;
    }

    private static String describe(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
            String kind = token == JsonToken.START_OBJECT ? "an object" : "an array";
            parser.skipChildren();
            return kind;
        }
        return token == JsonToken.VALUE_STRING ? "a string" : parser.getText();
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " at line " + location.getLineNr() + " column " + location.getColumnNr();
    }

    private static final class Merged {
        final List<String> problems = new ArrayList<>();
        final Map<String, Set<Object>> filePaths = new LinkedHashMap<>();
        final Map<String, Set<Object>> excludePaths = new LinkedHashMap<>();
        final Map<String, Set<Object>> filePathsQuery = new LinkedHashMap<>();
        final Set<String> fileAccesses = new LinkedHashSet<>();

        FimConfig build() {
            return new FimConfig(cast(filePaths, PathPattern.class), cast(excludePaths, PathPattern.class),
                    fileAccesses, cast(filePathsQuery, String.class));
        }

        private static <T> Map<String, List<T>> cast(Map<String, Set<Object>> map, Class<T> type) {
            Map<String, List<T>> typed = new LinkedHashMap<>();
            map.forEach((key, values) -> typed.put(key, values.stream().map(type::cast).toList()));
            return typed;
        }
    }
}
