package io.vajra.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LogConfigTest {
    private static final String WHERE = "config source /etc/osquery/osquery.conf: vajra.log_files";

    private static LogConfig parse(String json) throws ConfigException {
        return LogConfig.parse(json, WHERE);
    }

    private static String failure(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).getMessage();
    }

    private static LogSource source(String json) throws ConfigException {
        List<LogSource> sources = parse("[" + json + "]").sources();
        assertEquals(1, sources.size());
        return sources.get(0);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    // --- parsing ---

    @Test
    void readsStringsAndObjectsInOrder() throws Exception {
        LogConfig c = parse("[ {\"path\": \"/var/log/nginx/*.log\", \"category\": \"nginx\", \"include\": \"ERROR|WARN\","
                + " \"exclude\": \"healthcheck\", \"start\": \"beginning\", \"max_line_bytes\": 4096},\n"
                + "  \"/var/log/app.log\" ]");
        assertFalse(c.isEmpty());
        assertEquals(2, c.sources().size());
        LogSource nginx = c.sources().get(0);
        assertEquals("/var/log/nginx/*.log", nginx.glob());
        assertEquals("nginx", nginx.category());
        assertEquals("ERROR|WARN", nginx.include().orElseThrow().pattern());
        assertEquals("healthcheck", nginx.exclude().orElseThrow().pattern());
        assertEquals(LogSource.Start.BEGINNING, nginx.start());
        assertEquals(4096, nginx.maxLineBytes());
        assertEquals(new LogSource("/var/log/app.log", "/var/log/app.log", Optional.empty(), Optional.empty(),
                LogSource.Start.END, LogSource.DEFAULT_MAX_LINE_BYTES), c.sources().get(1));
    }

    @Test
    void anObjectWithOnlyAPathTakesTheDefaults() throws Exception {
        LogSource s = source("{\"path\": \"/srv/app.log\"}");
        assertEquals(new LogSource("/srv/app.log"), s);
        assertEquals("/srv/app.log", s.category(), "the category defaults to the path text");
        assertEquals(Optional.empty(), s.include());
        assertEquals(Optional.empty(), s.exclude());
        assertEquals(LogSource.Start.END, s.start());
        assertEquals(65536, s.maxLineBytes());
        assertEquals(65536, LogSource.DEFAULT_MAX_LINE_BYTES);
    }

    @Test
    void optionalKeysSetToNullAreAbsent() throws Exception {
        assertEquals(new LogSource("/srv/app.log"), source("{\"path\": \"/srv/app.log\", \"category\": null,"
                + " \"include\": null, \"exclude\": null, \"start\": null, \"max_line_bytes\": null}"));
    }

    @Test
    void startIsCaseInsensitiveAndMaxLineBytesMayBeAStringOfDigits() throws Exception {
        assertEquals(LogSource.Start.BEGINNING, source("{\"path\": \"/a\", \"start\": \"BeGiNnInG\"}").start());
        assertEquals(LogSource.Start.END, source("{\"path\": \"/a\", \"start\": \"END\"}").start());
        assertEquals(256, source("{\"path\": \"/a\", \"max_line_bytes\": \"256\"}").maxLineBytes());
        assertEquals(16777216, source("{\"path\": \"/a\", \"max_line_bytes\": 16777216}").maxLineBytes());
    }

    @Test
    void nullEmptyAndBlankAreEmpty() throws Exception {
        assertSame(LogConfig.EMPTY, parse("null"));
        assertSame(LogConfig.EMPTY, parse("[]"));
        assertSame(LogConfig.EMPTY, parse(" [ ] "));
        assertSame(LogConfig.EMPTY, parse(""));
        assertSame(LogConfig.EMPTY, parse(null));
        assertTrue(LogConfig.EMPTY.isEmpty());
        assertEquals(List.of(), LogConfig.EMPTY.sources());
    }

    @Test
    void commentsAreAccepted() throws Exception {
        LogConfig c = parse("[\n# hash comment\n// line comment\n\"/var/log/a.log\" /* inline */, \"/var/log/b.log\"\n]");
        assertEquals(List.of(new LogSource("/var/log/a.log"), new LogSource("/var/log/b.log")), c.sources());
    }

    @Test
    void duplicatePathsAreAllowed() throws Exception {
        LogConfig c = parse("[{\"path\": \"/var/log/app.log\", \"category\": \"errors\", \"include\": \"ERROR\"},"
                + " {\"path\": \"/var/log/app.log\", \"category\": \"logins\", \"include\": \"login\"}]");
        assertEquals(2, c.sources().size());
        assertEquals("errors", c.sources().get(0).category());
        assertEquals("logins", c.sources().get(1).category());
    }

    // --- errors ---

    @Test
    void aNonArrayIsAnError() {
        assertEquals(WHERE + " must be an array of paths or objects, not an object", failure("{\"path\": \"/a\"}"));
        assertEquals(WHERE + " must be an array of paths or objects, not \"/var/log/app.log\"",
                failure("\"/var/log/app.log\""));
        assertEquals(WHERE + " must be an array of paths or objects, not 5", failure("5"));
    }

    @Test
    void invalidJsonIsAnError() {
        assertTrue(failure("[\"/a\",").startsWith(WHERE + " is not valid JSON at line 1 column"), failure("[\"/a\","));
        assertTrue(failure("[] x").startsWith(WHERE + " "), failure("[] x"));
    }

    @Test
    void elementsOfTheWrongKindAreErrors() {
        assertEquals(WHERE + "[0] must be a path string or an object, not 5", failure("[5]"));
        assertEquals(WHERE + "[1] must be a path string or an object, not an array", failure("[\"/a\", [\"/b\"]]"));
        assertEquals(WHERE + "[0] must be a path string or an object, not null", failure("[null]"));
        assertEquals(WHERE + "[0] must be a path string or an object, not true", failure("[true]"));
    }

    @Test
    void badPathsAreErrors() {
        assertEquals(WHERE + "[0] has no \"path\"", failure("[{\"category\": \"x\"}]"));
        assertEquals(WHERE + "[0].path must be a string, not 5", failure("[{\"path\": 5}]"));
        assertEquals(WHERE + "[0].path must be a string, not null", failure("[{\"path\": null}]"));
        assertEquals(WHERE + "[0].path must not be empty", failure("[{\"path\": \"\"}]"));
        assertEquals(WHERE + "[0] must not be empty", failure("[\"\"]"));
        assertEquals(WHERE + "[0] must be an absolute path (start with '/'), not \"var/log/app.log\"",
                failure("[\"var/log/app.log\"]"));
        assertEquals(WHERE + "[0].path must be an absolute path (start with '/'), not \"*.log\"",
                failure("[{\"path\": \"*.log\"}]"));
        assertEquals(WHERE + "[0] must not contain a NUL character", failure("[\"/var/log/a\\u0000b\"]"));
        assertEquals(WHERE + "[0] must name files, not end with '/': \"/var/log/\"", failure("[\"/var/log/\"]"));
        assertEquals(WHERE + "[0] must not contain \"//\", \".\" or \"..\" components: \"/var//a.log\"",
                failure("[\"/var//a.log\"]"));
        assertEquals(WHERE + "[0] must not contain \"//\", \".\" or \"..\" components: \"/var/../a.log\"",
                failure("[\"/var/../a.log\"]"));
        assertEquals(WHERE + "[0] must not contain \"//\", \".\" or \"..\" components: \"/var/./a.log\"",
                failure("[\"/var/./a.log\"]"));
    }

    @Test
    void invalidGlobsAreErrorsWithTheReason() {
        assertEquals(WHERE + "[0]: invalid glob \"/var/log/{a,b\": Missing '} at index 12",
                failure("[\"/var/log/{a,b\"]"));
        assertEquals(WHERE + "[0].path: invalid glob \"/var/{a,{b}}\": Cannot nest groups at index 8",
                failure("[{\"path\": \"/var/{a,{b}}\"}]"));
        assertEquals(WHERE + "[0]: invalid glob \"/var/[a\": Missing '] at index 6", failure("[\"/var/[a\"]"));
    }

    @Test
    void invalidRegexesAreErrorsWithTheRegexAndTheReason() {
        assertEquals(WHERE + "[1].include: invalid regular expression \"(\": Unclosed group at index 1",
                failure("[\"/a\", {\"path\": \"/b\", \"include\": \"(\"}]"));
        assertEquals(WHERE + "[0].exclude: invalid regular expression \"*x\": Dangling meta character '*' at index 0",
                failure("[{\"path\": \"/b\", \"exclude\": \"*x\"}]"));
        assertEquals(WHERE + "[0].include must be a string, not 5", failure("[{\"path\": \"/b\", \"include\": 5}]"));
    }

    @Test
    void badCategoryStartAndMaxLineBytesAreErrors() {
        assertEquals(WHERE + "[0].category must be a string, not an object",
                failure("[{\"path\": \"/b\", \"category\": {\"a\": 1}}]"));
        assertEquals(WHERE + "[0].category must not be empty", failure("[{\"path\": \"/b\", \"category\": \"\"}]"));
        assertEquals(WHERE + "[0].start must be \"end\" or \"beginning\", not \"middle\"",
                failure("[{\"path\": \"/b\", \"start\": \"middle\"}]"));
        assertEquals(WHERE + "[0].start must be a string, not 1", failure("[{\"path\": \"/b\", \"start\": 1}]"));
        assertEquals(WHERE + "[0].max_line_bytes must be between 256 and 16777216, not 255",
                failure("[{\"path\": \"/b\", \"max_line_bytes\": 255}]"));
        assertEquals(WHERE + "[0].max_line_bytes must be between 256 and 16777216, not 16777217",
                failure("[{\"path\": \"/b\", \"max_line_bytes\": 16777217}]"));
        assertEquals(WHERE + "[0].max_line_bytes must be an integer, not 1.5",
                failure("[{\"path\": \"/b\", \"max_line_bytes\": 1.5}]"));
        assertEquals(WHERE + "[0].max_line_bytes must be an integer, not \"big\"",
                failure("[{\"path\": \"/b\", \"max_line_bytes\": \"big\"}]"));
    }

    @Test
    void unknownAndRepeatedKeysAreErrors() {
        assertEquals(WHERE + "[0].incude is not a known key (known: path, category, include, exclude, start,"
                + " max_line_bytes)", failure("[{\"path\": \"/b\", \"incude\": \"ERROR\"}]"));
        assertEquals(WHERE + "[0].path is given more than once",
                failure("[{\"path\": \"/a\", \"path\": \"/b\"}]"));
    }

    @Test
    void everyProblemIsListed() {
        String message = failure("[\"relative\", {\"path\": \"/b\", \"include\": \"(\", \"exclude\": \"[\","
                + " \"colour\": 1}, 7, \"/fine.log\"]");
        assertEquals("5 problems: "
                + WHERE + "[0] must be an absolute path (start with '/'), not \"relative\"; "
                + WHERE + "[1].include: invalid regular expression \"(\": Unclosed group at index 1; "
                + WHERE + "[1].exclude: invalid regular expression \"[\": Unclosed character class at index 0; "
                + WHERE + "[1].colour is not a known key (known: path, category, include, exclude, start,"
                + " max_line_bytes); "
                + WHERE + "[2] must be a path string or an object, not 7", message);
    }

    @Test
    void veryManyProblemsAreCountedButNotAllSpelledOut() {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < 25; i++) {
            json.append(i == 0 ? "" : ",").append(i);
        }
        String message = failure(json.append("]").toString());
        assertTrue(message.startsWith("25 problems: " + WHERE + "[0] must be"), message);
        assertTrue(message.contains(WHERE + "[19] must be"), message);
        assertFalse(message.contains(WHERE + "[20]"), message);
        assertTrue(message.endsWith("; and 5 more"), message);
    }

    // --- globs ---

    @Test
    void globsMatchWholePathsAndStarDoesNotCrossDirectories() {
        LogSource s = new LogSource("/var/log/nginx/*.log");
        assertTrue(s.matches(Path.of("/var/log/nginx/access.log")));
        assertTrue(s.matches(Path.of("/var/log/nginx/.log")));
        assertFalse(s.matches(Path.of("/var/log/nginx/access.log.1")));
        assertFalse(s.matches(Path.of("/var/log/nginx/old/access.log")));
        assertFalse(s.matches(Path.of("/x/var/log/nginx/access.log")), "matched on the whole path");
        LogSource q = new LogSource("/var/log/app?.log");
        assertTrue(q.matches(Path.of("/var/log/app1.log")));
        assertFalse(q.matches(Path.of("/var/log/app.log")));
        assertFalse(new LogSource("/var/log/a?b").matches(Path.of("/var/log/a/b")), "? does not match '/'");
        LogSource exact = new LogSource("/srv/app.log");
        assertTrue(exact.matches(Path.of("/srv/app.log")));
        assertFalse(exact.matches(Path.of("/srv/app.log.1")));
    }

    @Test
    void doubleStarCrossesDirectories() {
        LogSource all = new LogSource("/var/log/**");
        assertTrue(all.matches(Path.of("/var/log/a.log")));
        assertTrue(all.matches(Path.of("/var/log/nginx/old/a.log")));
        assertFalse(all.matches(Path.of("/var/lib/a.log")));
        LogSource deep = new LogSource("/var/log/**/*.log");
        assertTrue(deep.matches(Path.of("/var/log/nginx/a.log")));
        assertTrue(deep.matches(Path.of("/var/log/a/b/c.log")));
        assertFalse(deep.matches(Path.of("/var/log/a.log")), "**/ needs at least one directory in Java's globs");
        assertFalse(deep.matches(Path.of("/var/log/nginx/a.txt")));
    }

    @Test
    void bracesAndClassesMatchAlternatives() {
        LogSource s = new LogSource("/var/log/{nginx,apache2}/{access,error}.log");
        assertTrue(s.matches(Path.of("/var/log/nginx/access.log")));
        assertTrue(s.matches(Path.of("/var/log/apache2/error.log")));
        assertFalse(s.matches(Path.of("/var/log/httpd/error.log")));
        assertFalse(s.matches(Path.of("/var/log/nginx/debug.log")));
        LogSource c = new LogSource("/var/log/app.[0-9]");
        assertTrue(c.matches(Path.of("/var/log/app.3")));
        assertFalse(c.matches(Path.of("/var/log/app.x")));
    }

    @Test
    void fixedDirectoryAndSpansDirectories() {
        assertFixed("/var/log/nginx/*.log", "/var/log/nginx", false);
        assertFixed("/var/log/*/app.log", "/var/log", true);
        assertFixed("/srv/app.log", "/srv", false);
        assertFixed("/app.log", "/", false);
        assertFixed("/*.log", "/", false);
        assertFixed("/var/log/**", "/var/log", true);
        assertFixed("/var/log/**.log", "/var/log", true);
        assertFixed("/var/log/**/*.log", "/var/log", true);
        assertFixed("/var/log/{nginx,apache2}/*.log", "/var/log", true);
        assertFixed("/var/log/app.{log,err}", "/var/log", false);
        assertFixed("/var/lo?/x/app.log", "/var", true);
        assertFixed("/var/[lL]og/app.log", "/var", true);
        assertFixed("/var/lo\\g/app.log", "/var", true);
        assertFixed("/var/log/{a,b/c}.log", "/var/log", true);
    }

    private static void assertFixed(String glob, String directory, boolean spans) {
        LogSource s = new LogSource(glob);
        assertEquals(Path.of(directory), s.fixedDirectory(), glob);
        assertEquals(spans, s.spansDirectories(), glob);
    }

    @Test
    void theRecordRejectsWhatCouldNeverWork() {
        assertThrows(IllegalArgumentException.class, () -> new LogSource("var/log/a.log"));
        assertThrows(IllegalArgumentException.class, () -> new LogSource("/var/{a"));
        assertThrows(IllegalArgumentException.class, () -> new LogSource("/a", "a", Optional.empty(),
                Optional.empty(), LogSource.Start.END, 0));
        assertThrows(NullPointerException.class, () -> new LogSource("/a", null, Optional.empty(),
                Optional.empty(), LogSource.Start.END, 1));
    }

    // --- line filters ---

    @Test
    void withoutFiltersEveryLinePasses() {
        LogSource s = new LogSource("/a");
        assertTrue(s.accepts(bytes("anything")));
        assertTrue(s.accepts(new byte[0]));
        assertTrue(s.accepts(new byte[] {(byte) 0xff, (byte) 0xfe}));
    }

    @Test
    void includeIsFoundAnywhereAndExcludeWins() throws Exception {
        LogSource s = source("{\"path\": \"/a\", \"include\": \"ERROR|WARN\", \"exclude\": \"healthcheck\"}");
        assertTrue(s.accepts(bytes("2024-01-01 ERROR disk full")));
        assertTrue(s.accepts(bytes("WARN")));
        assertFalse(s.accepts(bytes("2024-01-01 INFO started")));
        assertFalse(s.accepts(bytes("2024-01-01 ERROR healthcheck failed")));
        LogSource excludeOnly = source("{\"path\": \"/a\", \"exclude\": \"^DEBUG\"}");
        assertTrue(excludeOnly.accepts(bytes("INFO DEBUG later")));
        assertFalse(excludeOnly.accepts(bytes("DEBUG first")));
        LogSource anchored = source("{\"path\": \"/a\", \"include\": \"^ERROR$\"}");
        assertTrue(anchored.accepts(bytes("ERROR")));
        assertFalse(anchored.accepts(bytes("ERROR!")));
    }

    @Test
    void invalidUtf8IsMatchedWithReplacementCharacters() throws Exception {
        byte[] line = {'E', 'R', 'R', (byte) 0xff, 'O', 'R', ' ', 'x', (byte) 0xc3};
        assertFalse(source("{\"path\": \"/a\", \"include\": \"ERROR\"}").accepts(line));
        assertTrue(source("{\"path\": \"/a\", \"include\": \"ERR\\uFFFDOR\"}").accepts(line));
        assertTrue(source("{\"path\": \"/a\", \"include\": \"x\\uFFFD$\"}").accepts(line));
        assertTrue(source("{\"path\": \"/a\", \"include\": \"ERR\"}").accepts(line));
        assertFalse(source("{\"path\": \"/a\", \"exclude\": \"\\uFFFD\"}").accepts(line));
        assertTrue(source("{\"path\": \"/a\", \"include\": \"caf\u00e9\"}").accepts(bytes("un caf\u00e9")));
    }

    // --- equality ---

    @Test
    void twoParsesOfTheSameTextAreEqual() throws Exception {
        String json = "[{\"path\": \"/var/log/nginx/*.log\", \"category\": \"nginx\", \"include\": \"ERROR|WARN\","
                + " \"exclude\": \"healthcheck\", \"start\": \"beginning\", \"max_line_bytes\": 4096}, \"/var/log/app.log\"]";
        LogConfig a = parse(json);
        LogConfig b = parse(json);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.toString(), b.toString());
        assertEquals(a.sources().get(0), b.sources().get(0));
        assertEquals(a.sources().get(0).hashCode(), b.sources().get(0).hashCode());
        assertNotEquals(a, parse(json.replace("WARN", "WARNING")));
        assertNotEquals(a, parse(json.replace("beginning", "end")));
        assertNotEquals(a, parse("[\"/var/log/app.log\"]"));
        assertNotEquals(LogConfig.EMPTY, a);
        assertEquals(LogConfig.EMPTY, new LogConfig(List.of()));
    }

    @Test
    void patternsCompareByTextAndFlags() {
        LogSource plain = withInclude(Pattern.compile("error"));
        assertEquals(plain, withInclude(Pattern.compile("error")));
        assertEquals(plain.hashCode(), withInclude(Pattern.compile("error")).hashCode());
        assertNotEquals(plain, withInclude(Pattern.compile("error", Pattern.CASE_INSENSITIVE)));
        assertNotEquals(plain, withInclude(Pattern.compile("Error")));
        assertNotEquals(plain, new LogSource("/a", "a", Optional.empty(), Optional.of(Pattern.compile("error")),
                LogSource.Start.END, LogSource.DEFAULT_MAX_LINE_BYTES), "include and exclude are not interchangeable");
    }

    private static LogSource withInclude(Pattern include) {
        return new LogSource("/a", "a", Optional.of(include), Optional.empty(), LogSource.Start.END,
                LogSource.DEFAULT_MAX_LINE_BYTES);
    }

    @Test
    void sourcesAreImmutable() throws Exception {
        LogConfig c = parse("[\"/a\"]");
        assertThrows(UnsupportedOperationException.class, () -> c.sources().add(new LogSource("/b")));
    }
}
