package io.vajra.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class VajraConfigParserTest {
    private static VajraConfig parse(String json) throws ConfigException {
        return VajraConfigParser.parse(Map.of("/etc/osquery/osquery.conf", json));
    }

    private static String failure(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).getMessage();
    }

    @Test
    void readsEveryKnownKeyAndKeepsUnknownOnes() throws Exception {
        VajraConfig c = parse("{\"options\":{\"disable_events\":false},\"schedule\":{\"q\":{\"query\":\"SELECT 1\"}},"
                + "\"vajra\":{\"argv_cap\":4096,\"events_max\":\"1000\",\"events_expiry\":600,"
                + "\"table_prefix\":\"ebpf_\",\"file_paths\":[\"/etc\",\"/usr\"],\"mode\":\"x\"}}");
        assertEquals(OptionalLong.of(4096), c.argvCap());
        assertEquals(OptionalInt.of(1000), c.eventsMax());
        assertEquals(OptionalLong.of(600), c.eventsExpirySeconds());
        assertEquals(Optional.of("ebpf_"), c.tablePrefix());
        assertEquals(Map.of("file_paths", "[\"/etc\",\"/usr\"]", "mode", "\"x\""), c.unknownKeys());
    }

    @Test
    void aConfigWithoutTheSectionIsEmpty() throws Exception {
        assertTrue(parse("{\"options\":{},\"schedule\":{},\"packs\":{\"p\":\"/etc/p.conf\"}}").isEmpty());
        assertTrue(parse("").isEmpty(), "osquery reports a missing source as empty text");
        assertTrue(VajraConfigParser.parse(Map.of()).isEmpty());
        assertTrue(parse("{\"vajra\":{}}").isEmpty());
    }

    @Test
    void laterSourcesOverrideEarlierOnesKeyByKey() throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("a", "{\"vajra\":{\"events_max\":10,\"argv_cap\":512}}");
        sources.put("b", "{\"options\":{}}");
        sources.put("c", "{\"vajra\":{\"events_max\":20}}");
        VajraConfig c = VajraConfigParser.parse(sources);
        assertEquals(OptionalInt.of(20), c.eventsMax());
        assertEquals(OptionalLong.of(512), c.argvCap());
    }

    @Test
    void commentsAsOsqueryAllowsThemAreAccepted() throws Exception {
        VajraConfig c = parse("{\n# hash comment\n// line comment\n\"vajra\": {/* inline */ \"events_max\": 5}\n}");
        assertEquals(OptionalInt.of(5), c.eventsMax());
    }

    @Test
    void brokenJsonIsAFailureThatSaysWhere() {
        String message = failure("{\"vajra\":{\"events_max\":5,}");
        assertTrue(message.startsWith("config source /etc/osquery/osquery.conf is not valid JSON at line 1 column"),
                message);
        assertEquals("config source /etc/osquery/osquery.conf is not a JSON object", failure("[1]"));
        assertTrue(failure("{} x").startsWith("config source /etc/osquery/osquery.conf "));
    }

    @Test
    void badValuesOfKnownKeysAreFailures() {
        assertEquals("config source /etc/osquery/osquery.conf: \"vajra\" must be an object", failure("{\"vajra\":[]}"));
        assertEquals("config source /etc/osquery/osquery.conf: vajra.events_max must be an integer, not \"many\"",
                failure("{\"vajra\":{\"events_max\":\"many\"}}"));
        assertEquals("config source /etc/osquery/osquery.conf: vajra.events_max must be between 1 and 2147483647, not 0",
                failure("{\"vajra\":{\"events_max\":0}}"));
        assertEquals("config source /etc/osquery/osquery.conf: vajra.argv_cap must be between 256 and 131072, not 100",
                failure("{\"vajra\":{\"argv_cap\":100}}"));
        assertEquals("config source /etc/osquery/osquery.conf: vajra.events_expiry must be an integer, not 1.5",
                failure("{\"vajra\":{\"events_expiry\":1.5}}"));
        assertEquals("config source /etc/osquery/osquery.conf: vajra.table_prefix must be a string of letters, digits"
                + " and _ (at most 32), not \"a-b\"", failure("{\"vajra\":{\"table_prefix\":\"a-b\"}}"));
        assertEquals("config source /etc/osquery/osquery.conf: vajra.events_max must be an integer, not an object",
                failure("{\"vajra\":{\"events_max\":{\"a\":1}}}"));
    }
}
