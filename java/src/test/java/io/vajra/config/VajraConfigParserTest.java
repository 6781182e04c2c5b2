package io.vajra.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.fim.FimConfig;
import io.vajra.log.LogConfig;
import io.vajra.log.LogSource;
import java.util.LinkedHashMap;
import java.util.List;
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

    @Test
    void logFilesAreReadIntoLogs() throws Exception {
        VajraConfig c = parse("{\"vajra\":{\"events_max\":5,\"log_files\":[\"/var/log/app.log\","
                + "{\"path\":\"/var/log/nginx/*.log\",\"category\":\"nginx\",\"include\":\"ERROR\","
                + "\"start\":\"beginning\"}]}}");
        assertEquals(OptionalInt.of(5), c.eventsMax());
        List<LogSource> sources = c.logs().sources();
        assertEquals(2, sources.size());
        assertEquals(new LogSource("/var/log/app.log"), sources.get(0));
        assertEquals("nginx", sources.get(1).category());
        assertEquals("ERROR", sources.get(1).include().orElseThrow().pattern());
        assertEquals(LogSource.Start.BEGINNING, sources.get(1).start());
        assertFalse(c.unknownKeys().containsKey(VajraConfigParser.LOG_FILES), "log_files is a known key");
        assertEquals(Map.of(), c.unknownKeys());
        assertFalse(c.isEmpty());
    }

    @Test
    void withoutLogFilesLogsAreEmpty() throws Exception {
        assertEquals(LogConfig.EMPTY, parse("{\"vajra\":{\"events_max\":5}}").logs());
        assertEquals(LogConfig.EMPTY, VajraConfig.EMPTY.logs());
        assertTrue(parse("{\"vajra\":{\"log_files\":[]}}").isEmpty());
        assertTrue(parse("{\"vajra\":{\"log_files\":null}}").isEmpty());
    }

    @Test
    void aLaterSourcesLogFilesReplaceAnEarlierOnes() throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("a", "{\"vajra\":{\"log_files\":[\"/var/log/a.log\",\"/var/log/b.log\"],\"events_max\":10}}");
        sources.put("b", "{\"vajra\":{\"argv_cap\":512}}");
        sources.put("c", "{\"vajra\":{\"log_files\":[\"/var/log/c.log\"]}}");
        VajraConfig c = VajraConfigParser.parse(sources);
        assertEquals(List.of(new LogSource("/var/log/c.log")), c.logs().sources());
        assertEquals(OptionalInt.of(10), c.eventsMax());
        assertEquals(OptionalLong.of(512), c.argvCap());

        sources.put("d", "{\"vajra\":{\"log_files\":[]}}");
        assertEquals(LogConfig.EMPTY, VajraConfigParser.parse(sources).logs(), "an empty list turns them off");

        sources.remove("d");
        sources.remove("c");
        assertEquals(List.of(new LogSource("/var/log/a.log"), new LogSource("/var/log/b.log")),
                VajraConfigParser.parse(sources).logs().sources(), "a source without log_files keeps them");
    }

    @Test
    void anInvalidLogFilesElementFailsTheWholeParse() {
        assertEquals("config source /etc/osquery/osquery.conf: vajra.log_files[1].include: invalid regular"
                + " expression \"(\": Unclosed group at index 1",
                failure("{\"vajra\":{\"events_max\":5,\"log_files\":[\"/var/log/a.log\","
                        + "{\"path\":\"/var/log/b.log\",\"include\":\"(\"}]}}"));
        assertEquals("config source /etc/osquery/osquery.conf: vajra.log_files must be an array of paths or objects,"
                + " not \"/var/log/a.log\"", failure("{\"vajra\":{\"log_files\":\"/var/log/a.log\"}}"));
        assertEquals("2 problems: config source /etc/osquery/osquery.conf: vajra.log_files[0].pth is not a known key"
                + " (known: path, category, include, exclude, start, max_line_bytes);"
                + " config source /etc/osquery/osquery.conf: vajra.log_files[0] has no \"path\"",
                failure("{\"vajra\":{\"log_files\":[{\"pth\":\"/var/log/a.log\"}]}}"));
    }

    @Test
    void anInvalidLogFilesInAnEarlierSourceFailsEvenIfALaterOneReplacesIt() {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("/etc/osquery/osquery.conf", "{\"vajra\":{\"log_files\":[\"relative.log\"]}}");
        sources.put("/etc/osquery/conf.d/b.conf", "{\"vajra\":{\"log_files\":[\"/var/log/b.log\"]}}");
        assertEquals("config source /etc/osquery/osquery.conf: vajra.log_files[0] must be an absolute path"
                + " (start with '/'), not \"relative.log\"",
                assertThrows(ConfigException.class, () -> VajraConfigParser.parse(sources)).getMessage());
    }

    @Test
    void logFilesWithCommentsAndTheOldConstructorsStillWork() throws Exception {
        VajraConfig c = parse("{\"vajra\":{\n# the app\n\"log_files\": [\"/var/log/app.log\" // main\n]}}");
        assertEquals(List.of(new LogSource("/var/log/app.log")), c.logs().sources());
        VajraConfig six = new VajraConfig(OptionalLong.empty(), OptionalInt.empty(), OptionalLong.empty(),
                Optional.empty(), Map.of(), FimConfig.EMPTY);
        assertEquals(VajraConfig.EMPTY, six);
        VajraConfig five = new VajraConfig(OptionalLong.empty(), OptionalInt.empty(), OptionalLong.empty(),
                Optional.empty(), Map.of());
        assertEquals(VajraConfig.EMPTY, five);
        assertTrue(five.isEmpty());
    }
}
