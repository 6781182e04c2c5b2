package io.vajra.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.vajra.bpf.ProbeSettings;
import io.vajra.event.StoreSettings;
import java.io.IOException;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import io.vajra.fim.FimConfig;
import io.vajra.log.LogConfig;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Reads the {@code "vajra"} section out of osquery's configuration sources.
 *
 * <p>osquery merges several sources (the main file, {@code conf.d} files, packs); each may
 * carry a {@code "vajra"} object and later sources override earlier ones key by key. Numbers
 * may be JSON numbers or strings of digits, as osquery's own options are. Any source that is
 * not valid JSON, or a known key with a bad value, fails the whole read so that a half-applied
 * configuration never happens.
 */
public final class VajraConfigParser {
    public static final String SECTION = "vajra";
    public static final String ARGV_CAP = "argv_cap";
    public static final String EVENTS_MAX = "events_max";
    public static final String EVENTS_EXPIRY = "events_expiry";
    public static final String TABLE_PREFIX = "table_prefix";
    public static final String LOG_FILES = "log_files";

    private static final Pattern TABLE_PREFIX_TEXT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,31}");

    // osquery strips # and // comment lines from its config; accept them (and /* */) too.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(JsonReadFeature.ALLOW_YAML_COMMENTS)
            .build();

    private VajraConfigParser() {}

    /** @param sources source name -> configuration JSON text, in osquery's order */
    public static VajraConfig parse(Map<String, String> sources) throws ConfigException {
        Section merged = new Section();
        for (Map.Entry<String, String> source : sources.entrySet()) {
            String text = source.getValue();
            if (text == null || text.isBlank()) {
                continue; // osquery reports a missing optional source as empty text
            }
            try (JsonParser parser = JSON.createParser(text)) {
                readSource(parser, source.getKey(), merged);
            } catch (JsonProcessingException e) {
                throw new ConfigException("config source " + source.getKey() + " is not valid JSON"
                        + at(e.getLocation()) + ": " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new ConfigException("config source " + source.getKey() + ": " + e.getMessage(), e);
            }
        }
        VajraConfig section = merged.build();
        return new VajraConfig(section.argvCap(), section.eventsMax(), section.eventsExpirySeconds(),
                section.tablePrefix(), section.unknownKeys(), FimConfig.parse(sources), section.logs());
    }

    private static void readSource(JsonParser parser, String source, Section merged)
            throws IOException, ConfigException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new ConfigException("config source " + source + " is not a JSON object");
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            if (!SECTION.equals(key)) {
                parser.skipChildren();
                continue;
            }
            if (value != JsonToken.START_OBJECT) {
                throw new ConfigException("config source " + source + ": \"" + SECTION + "\" must be an object");
            }
            readSection(parser, source, merged);
        }
        if (parser.nextToken() != null) {
            throw new ConfigException("config source " + source + " has content after its JSON object"
                    + at(parser.currentLocation()));
        }
    }

    private static void readSection(JsonParser parser, String source, Section section)
            throws IOException, ConfigException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            parser.nextToken();
            String where = "config source " + source + ": " + SECTION + "." + key;
            switch (key) {
                case ARGV_CAP -> section.argvCap = OptionalLong.of(
                        integer(parser, where, ProbeSettings.MIN_ARGV_CAP, ProbeSettings.MAX_ARGV_CAP));
                case EVENTS_MAX -> section.eventsMax = OptionalInt.of(
                        (int) integer(parser, where, 1, Integer.MAX_VALUE));
                case EVENTS_EXPIRY -> section.eventsExpirySeconds = OptionalLong.of(
                        integer(parser, where, 1, StoreSettings.MAX_EXPIRY_SECONDS));
                case TABLE_PREFIX -> section.tablePrefix = Optional.of(tablePrefix(parser, where));
                case LOG_FILES -> section.logs = LogConfig.parse(rawJson(parser), where);
                default -> section.unknownKeys.put(key, rawJson(parser));
            }
        }
    }

    private static long integer(JsonParser parser, String where, long min, long max)
            throws IOException, ConfigException {
        long value;
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            value = parser.getLongValue();
        } else if (token == JsonToken.VALUE_STRING && parser.getText().strip().matches("-?[0-9]{1,18}")) {
            value = Long.parseLong(parser.getText().strip());
        } else {
            throw new ConfigException(where + " must be an integer, not " + describe(parser));
        }
        if (value < min || value > max) {
            throw new ConfigException(where + " must be between " + min + " and " + max + ", not " + value);
        }
        return value;
    }

    private static String tablePrefix(JsonParser parser, String where) throws IOException, ConfigException {
        if (parser.currentToken() != JsonToken.VALUE_STRING || !TABLE_PREFIX_TEXT.matcher(parser.getText()).matches()) {
            throw new ConfigException(where + " must be a string of letters, digits and _ (at most 32), not "
                    + describe(parser));
        }
        return parser.getText();
    }

    /** The value under the parser as compact JSON text, consuming it. */
    private static String rawJson(JsonParser parser) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator generator = JSON.createGenerator(text)) {
            generator.copyCurrentStructure(parser);
        }
        return text.toString();
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

    private static String at(JsonLocation location) {
        return location == null ? "" : " at line " + location.getLineNr() + " column " + location.getColumnNr();
    }

    /** The section being merged: later sources override earlier ones key by key. */
    private static final class Section {
        OptionalLong argvCap = OptionalLong.empty();
        OptionalInt eventsMax = OptionalInt.empty();
        OptionalLong eventsExpirySeconds = OptionalLong.empty();
        Optional<String> tablePrefix = Optional.empty();
        final Map<String, String> unknownKeys = new LinkedHashMap<>();
        LogConfig logs = LogConfig.EMPTY; // replaced whole by a later source's log_files

        VajraConfig build() {
            return new VajraConfig(argvCap, eventsMax, eventsExpirySeconds, tablePrefix, unknownKeys,
                    FimConfig.EMPTY, logs);
        }
    }
}
