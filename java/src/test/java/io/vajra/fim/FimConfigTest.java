package io.vajra.fim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FimConfigTest {
    private static final String SOURCE = "config source /etc/osquery/osquery.conf";

    private static FimConfig parse(String json) throws ConfigException {
        return FimConfig.parse(Map.of("/etc/osquery/osquery.conf", json));
    }

    private static String failure(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).getMessage();
    }

    private static List<String> texts(List<PathPattern> patterns) {
        return patterns.stream().map(PathPattern::text).toList();
    }

    @Test
    void readsAllFourKeysAndIgnoresTheRest() throws Exception {
        FimConfig c = parse("""
                {
                  "options": {"disable_events": false, "enable_file_events": true},
                  "schedule": {"fim": {"query": "SELECT * FROM file_events;", "interval": 300}},
                  "file_paths": {
                    "homes": ["/root/.ssh/%%", "/home/%/.ssh/%%"],
                    "etc": ["/etc/%%"],
                    "tmp": ["/tmp/%%"]
                  },
                  "exclude_paths": {"homes": ["/home/not_to_monitor/.ssh/%%"], "tmp": ["/tmp/too_many_events/"]},
                  "file_accesses": ["homes"],
                  "file_paths_query": {"etc": ["SELECT path FROM file WHERE directory = '/opt'"]},
                  "vajra": {"events_max": 5},
                  "some_future_key": [1, {"deep": [null]}]
                }""");
        assertEquals(List.of("homes", "etc", "tmp"), new ArrayList<>(c.filePaths().keySet()));
        assertEquals(List.of("/root/.ssh/%%", "/home/%/.ssh/%%"), texts(c.filePaths().get("homes")));
        assertEquals(List.of("/etc/%%"), texts(c.filePaths().get("etc")));
        assertEquals(List.of("/home/not_to_monitor/.ssh/%%"), texts(c.excludePaths().get("homes")));
        assertEquals(List.of("/tmp/too_many_events/"), texts(c.excludePaths().get("tmp")));
        assertEquals(Set.of("homes"), c.fileAccesses());
        assertEquals(Map.of("etc", List.of("SELECT path FROM file WHERE directory = '/opt'")), c.filePathsQuery());
        assertTrue(c.ignoredExcludeCategories().isEmpty());
        assertTrue(!c.isEmpty());
    }

    @Test
    void aConfigWithoutFimKeysIsEmpty() throws Exception {
        assertEquals(FimConfig.EMPTY, parse("{\"options\":{},\"schedule\":{}}"));
        assertEquals(FimConfig.EMPTY, parse(""));
        assertEquals(FimConfig.EMPTY, parse("  \n"));
        assertEquals(FimConfig.EMPTY, FimConfig.parse(Map.of()));
        assertEquals(FimConfig.EMPTY, parse("{\"file_paths\":null,\"exclude_paths\":null,\"file_accesses\":null}"));
        assertTrue(parse("{\"file_paths\":{}}").isEmpty());
        assertTrue(parse("{\"file_paths\":{\"none\":[]}}").isEmpty());
        assertTrue(FimConfig.EMPTY.isEmpty());
    }

    @Test
    void exclusionsOfCategoriesNotInFilePathsAreIgnored() throws Exception {
        FimConfig c = parse("{\"file_paths\":{\"etc\":[\"/etc/%%\"]},"
                + "\"exclude_paths\":{\"etc\":[\"/etc/mtab\"],\"tmp\":[\"/tmp/%%\"],\"other\":[]}}");
        assertEquals(Set.of("etc"), c.excludePaths().keySet());
        assertEquals(List.of("tmp", "other"), new ArrayList<>(c.ignoredExcludeCategories()));
    }

    @Test
    void severalSourcesMergeByUnioningEachCategory() throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("/etc/osquery/osquery.conf", "{\"file_paths\":{\"etc\":[\"/etc/%%\",\"/etc/passwd\"],"
                + "\"bin\":[\"/bin/%\"]},\"file_accesses\":[\"etc\"]}");
        sources.put("/etc/osquery/conf.d/10-extra.conf", "{\"file_paths\":{\"etc\":[\"/etc/passwd\",\"/etc/shadow\","
                + "\"/etc/**\"],\"tmp\":[\"/tmp/\"]},\"file_accesses\":[\"tmp\",\"etc\"],"
                + "\"exclude_paths\":{\"bin\":[\"/bin/true\"]}}");
        sources.put("/etc/osquery/conf.d/20-excl.conf", "{\"exclude_paths\":{\"bin\":[\"/bin/false\",\"/bin/true\"],"
                + "\"etc\":[\"/etc/mtab\"]}}");
        sources.put("empty", "");
        FimConfig c = FimConfig.parse(sources);
        assertEquals(List.of("etc", "bin", "tmp"), new ArrayList<>(c.filePaths().keySet()));
        assertEquals(List.of("/etc/%%", "/etc/passwd", "/etc/shadow"), texts(c.filePaths().get("etc")),
                "duplicates (also /etc/** = /etc/%%) are dropped, first spelling kept");
        assertEquals(List.of("/tmp/"), texts(c.filePaths().get("tmp")));
        assertEquals(List.of("/bin/true", "/bin/false"), texts(c.excludePaths().get("bin")));
        assertEquals(List.of("/etc/mtab"), texts(c.excludePaths().get("etc")));
        assertEquals(List.of("etc", "tmp"), new ArrayList<>(c.fileAccesses()));
    }

    @Test
    void anExclusionInAnEarlierSourceCountsForACategoryDefinedLater() throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("a", "{\"exclude_paths\":{\"etc\":[\"/etc/mtab\"]}}");
        sources.put("b", "{\"file_paths\":{\"etc\":[\"/etc/%\"]}}");
        FimConfig c = FimConfig.parse(sources);
        assertEquals(List.of("/etc/mtab"), texts(c.excludePaths().get("etc")));
        assertTrue(c.ignoredExcludeCategories().isEmpty());
    }

    @Test
    void aRepeatedKeyInOneSourceIsUnionedToo() throws Exception {
        FimConfig c = parse("{\"file_paths\":{\"a\":[\"/a/%\"]},\"file_paths\":{\"a\":[\"/b/%\"],\"a\":[\"/c/%\"]}}");
        assertEquals(List.of("/a/%", "/b/%", "/c/%"), texts(c.filePaths().get("a")));
    }

    @Test
    void commentsAsOsqueryAllowsThemAreAccepted() throws Exception {
        FimConfig c = parse("{\n# hash\n// line\n\"file_paths\": {/* x */ \"etc\": [\"/etc/%\"]}\n}");
        assertEquals(List.of("/etc/%"), texts(c.filePaths().get("etc")));
    }

    @Test
    void patternsKeepSpacesNewlinesAndUnicode() throws Exception {
        FimConfig c = parse("{\"file_paths\":{\"odd\":[\"/srv/my files/%\",\"/srv/a\\nb/%%\",\"/home/Zo\\u00eb/日本/%\"]}}");
        assertEquals(List.of("/srv/my files/%", "/srv/a\nb/%%", "/home/Zoë/日本/%"), texts(c.filePaths().get("odd")));
    }

    @Test
    void invalidJsonSaysWhichSourceAndWhere() {
        String message = failure("{\"file_paths\":{\"etc\":[\"/etc/%\",]}}");
        assertTrue(message.startsWith(SOURCE + " is not valid JSON at line 1 column "), message);
        assertTrue(failure("{\"file_paths\":").startsWith(SOURCE + " is not valid JSON"));
        assertTrue(failure("{\"file_paths\":{\"etc\":[\"/etc/%\"").startsWith(SOURCE + " is not valid JSON"));
        assertEquals(SOURCE + " is not a JSON object", failure("[\"/etc\"]"));
        assertEquals(SOURCE + " is not a JSON object", failure("\"file_paths\""));
        assertTrue(failure("{} {}").startsWith(SOURCE + " has content after its JSON object"));
        assertTrue(failure("{\"x\":" + "[".repeat(5000)).startsWith(SOURCE + " is not valid JSON"), "deep nesting is refused");
    }

    @Test
    void wrongTypesAreListedWithTheirPlace() {
        assertEquals(SOURCE + ": file_paths must be an object of category -> array of patterns, not an array",
                failure("{\"file_paths\":[\"/etc/%\"]}"));
        assertEquals(SOURCE + ": file_paths must be an object of category -> array of patterns, not a string",
                failure("{\"file_paths\":\"/etc/%\"}"));
        assertEquals(SOURCE + ": file_paths.etc must be an array of patterns, not a string",
                failure("{\"file_paths\":{\"etc\":\"/etc/%\"}}"));
        assertEquals(SOURCE + ": file_paths.etc[1] must be a string, not 5",
                failure("{\"file_paths\":{\"etc\":[\"/etc/%\",5]}}"));
        assertEquals(SOURCE + ": exclude_paths.etc[0] must be a string, not an object",
                failure("{\"file_paths\":{\"etc\":[\"/etc/%\"]},\"exclude_paths\":{\"etc\":[{\"p\":1}]}}"));
        assertEquals(SOURCE + ": file_accesses must be an array of category names, not an object",
                failure("{\"file_accesses\":{\"etc\":true}}"));
        assertEquals(SOURCE + ": file_accesses[1] must be a string, not true",
                failure("{\"file_accesses\":[\"etc\",true]}"));
        assertEquals(SOURCE + ": file_paths_query.etc[0] must be a string, not null",
                failure("{\"file_paths_query\":{\"etc\":[null]}}"));
        assertEquals(SOURCE + ": file_paths_query must be an object of category -> array of queries, not 1",
                failure("{\"file_paths_query\":1}"));
    }

    @Test
    void badPatternsAreListedWithTheirPlace() {
        assertEquals(SOURCE + ": file_paths.homes[1]: pattern \"/home/%%/.ssh\": %% may only end a pattern",
                failure("{\"file_paths\":{\"homes\":[\"/root/%%\",\"/home/%%/.ssh\"]}}"));
        assertEquals(SOURCE + ": exclude_paths.etc[0]: pattern \"mtab\" must be an absolute path (start with /)",
                failure("{\"file_paths\":{\"etc\":[\"/etc/%\"]},\"exclude_paths\":{\"etc\":[\"mtab\"]}}"));
    }

    @Test
    void everyProblemInEverySourceIsListedInOneError() {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("a", "{\"file_paths\":{\"x\":[\"/a/%%/b\",7],\"y\":\"/y\"}}");
        sources.put("b", "{not json");
        sources.put("c", "{\"file_accesses\":\"x\"}");
        String message = assertThrows(ConfigException.class, () -> FimConfig.parse(sources)).getMessage();
        assertTrue(message.startsWith("5 problems in the FIM configuration: "
                + "config source a: file_paths.x[0]: pattern \"/a/%%/b\": %% may only end a pattern; "
                + "config source a: file_paths.x[1] must be a string, not 7; "
                + "config source a: file_paths.y must be an array of patterns, not a string; "
                + "config source b is not valid JSON at line 1"), message);
        assertTrue(message.endsWith("; config source c: file_accesses must be an array of category names, not a string"),
                message);
    }

    @Test
    void aVeryLongListOfProblemsIsCut() {
        StringBuilder json = new StringBuilder("{\"file_paths\":{\"x\":[");
        for (int i = 0; i < 25; i++) {
            json.append(i == 0 ? "" : ",").append(i);
        }
        String message = failure(json.append("]}}").toString());
        assertTrue(message.startsWith("25 problems in the FIM configuration: "), message);
        assertTrue(message.endsWith("x[19] must be a string, not 19; and 5 more"), message);
    }

    @Test
    void theConfigIsImmutable() throws Exception {
        FimConfig c = parse("{\"file_paths\":{\"etc\":[\"/etc/%\"]},\"file_accesses\":[\"etc\"]}");
        assertThrows(UnsupportedOperationException.class, () -> c.filePaths().put("x", List.of()));
        assertThrows(UnsupportedOperationException.class, () -> c.filePaths().get("etc").clear());
        assertThrows(UnsupportedOperationException.class, () -> c.fileAccesses().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> c.excludePaths().clear());
        Map<String, List<PathPattern>> source = new LinkedHashMap<>();
        List<PathPattern> list = new ArrayList<>(List.of(PathPattern.parse("/a/%")));
        source.put("a", list);
        FimConfig built = new FimConfig(source, Map.of(), Set.of(), Map.of());
        list.add(PathPattern.parse("/b/%"));
        source.put("b", List.of());
        assertEquals(Set.of("a"), built.filePaths().keySet());
        assertEquals(1, built.filePaths().get("a").size());
    }
}
