package io.vajra.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CmdlineTest {
    @Test
    void osquerysOwnExamples() {
        // From osquery's bpf_process_events tests.
        assertEquals("cat '/test folder'", Cmdline.quoted(List.of("cat", "/test folder")));
        assertEquals("cat file1 file2", Cmdline.quoted(List.of("cat", "file1", "file2")));
        assertEquals("sudo -H -i", Cmdline.quoted(List.of("sudo", "-H", "-i")));
        assertEquals("[\"sudo\",\"-H\",\"-i\"]", Cmdline.json(List.of("sudo", "-H", "-i")));
    }

    @Test
    void everyCWhiteSpaceCharacterQuotes() {
        assertEquals("'line1\nline2' 'a\tb' 'v\u000bt' 'f\ff' 'c\rr'",
                Cmdline.quoted(List.of("line1\nline2", "a\tb", "v\u000bt", "f\ff", "c\rr")));
    }

    @Test
    void quotesInsideAreNotEscaped() {
        assertEquals("echo it's '\"a b\"' 'it's here'", Cmdline.quoted(List.of("echo", "it's", "\"a b\"", "it's here")));
    }

    @Test
    void emptyArgumentsLeaveTwoSpaces() {
        assertEquals("a  b", Cmdline.quoted(List.of("a", "", "b")));
        assertEquals("a ", Cmdline.quoted(List.of("a", "")));
        assertEquals("", Cmdline.quoted(List.of("")));
        assertEquals("", Cmdline.quoted(List.of()));
        assertEquals("[\"a\",\"\",\"b\"]", Cmdline.json(List.of("a", "", "b")));
        assertEquals("[]", Cmdline.json(List.of()));
    }

    @Test
    void nonAsciiSpacesDoNotQuoteAsInTheCLocale() {
        assertEquals("no\u00a0break em\u2003space", Cmdline.quoted(List.of("no\u00a0break", "em\u2003space")));
    }

    @Test
    void escapedInvalidBytesNeverQuote() {
        byte[] argv = "echo\0\u00ff\u00fe ok\0\u00ff\0".getBytes(StandardCharsets.ISO_8859_1);
        List<String> args = Argv.split(argv);
        assertEquals("echo '\\xff\\xfe ok' \\xff", Cmdline.quoted(args));
        assertEquals("[\"echo\",\"\\\\xff\\\\xfe ok\",\"\\\\xff\"]", Cmdline.json(args));
    }

    @Test
    void jsonEscapesQuotesBackslashesAndControlCharacters() {
        assertEquals("[\"it's\",\"\\\"q\\\"\",\"back\\\\slash\",\"line1\\nline2\",\"tab\\there\",\"\\u0001\",\"café\",\"/a/b\"]",
                Cmdline.json(List.of("it's", "\"q\"", "back\\slash", "line1\nline2", "tab\there", "\u0001", "café", "/a/b")));
    }

    @Test
    void fiveThousandArguments() {
        List<String> args = new ArrayList<>();
        StringBuilder argv = new StringBuilder();
        StringBuilder expectedCmdline = new StringBuilder("/bin/true");
        StringBuilder expectedJson = new StringBuilder("[\"/bin/true\"");
        args.add("/bin/true");
        argv.append("/bin/true\0");
        for (int i = 0; i < 5000; i++) {
            String arg = i % 10 == 0 ? "arg " + i : "a" + i;
            argv.append(arg).append('\0');
            expectedCmdline.append(' ').append(i % 10 == 0 ? "'" + arg + "'" : arg);
            expectedJson.append(",\"").append(arg).append('"');
        }
        expectedJson.append(']');
        List<String> split = Argv.split(argv.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(5001, split.size());
        assertEquals(expectedCmdline.toString(), Cmdline.quoted(split));
        assertEquals(expectedJson.toString(), Cmdline.json(split));
    }

    /** The column's text came from Jackson's default generator: the hand-written one must match it. */
    private static String jackson(List<String> args) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            json.writeStartArray();
            for (String arg : args) {
                json.writeString(arg);
            }
            json.writeEndArray();
        }
        return out.toString();
    }

    @Test
    void jsonIsWhatJacksonWritesForEveryCharacter() throws Exception {
        List<String> singles = new ArrayList<>();
        for (int c = 0; c < 0x10000; c++) {
            if (!Character.isSurrogate((char) c)) {
                singles.add(String.valueOf((char) c));
            }
        }
        singles.add("\ud83d\ude00");
        assertEquals(jackson(singles), Cmdline.json(singles));
        java.util.Random random = new java.util.Random(11);
        String alphabet = "ab /\"\\\u0000\u0001\u001f\u007f\b\t\n\u000b\f\r\u00e9\u2028\u00a0";
        for (int round = 0; round < 500; round++) {
            List<String> args = new ArrayList<>();
            for (int a = random.nextInt(6); a > 0; a--) {
                StringBuilder arg = new StringBuilder();
                for (int n = random.nextInt(12); n > 0; n--) {
                    arg.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                args.add(arg.toString());
            }
            assertEquals(jackson(args), Cmdline.json(args));
        }
    }

    /** From the bytes: the same text as splitting them first, whichever way each argv goes. */
    @Test
    void fromArgvBytesAsFromTheSplitArguments() {
        List<byte[]> cases = new ArrayList<>();
        for (String argv : new String[] {"", "\0", "ls\0", "ls\0-l\0", "a\0\0b\0", "cut", "ls\0cut",
                "echo\0a b\0", "echo\0it's\0", "echo\0\"q\"\0", "echo\0back\\slash\0", "tab\0a\tb\0",
                "del\0\u007f\0", "tilde~\0!#$%&()*+,-./:;<=>?@[]^_`{|}\0"}) {
            cases.add(argv.getBytes(StandardCharsets.ISO_8859_1));
        }
        cases.add(new byte[] {'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9, 0}); // UTF-8
        cases.add(new byte[] {'b', 'a', 'd', (byte) 0xff, 0}); // not UTF-8
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] argv = new byte[random.nextInt(12)];
            for (int j = 0; j < argv.length; j++) {
                argv[j] = (byte) "ab \0\"\\\t'~é".charAt(random.nextInt(10));
            }
            cases.add(argv);
        }
        for (byte[] argv : cases) {
            List<String> args = Argv.split(argv);
            assertEquals(Cmdline.quoted(args), Cmdline.quoted(argv), () -> java.util.Arrays.toString(argv));
            assertEquals(Cmdline.json(args), Cmdline.json(argv), () -> java.util.Arrays.toString(argv));
        }
        assertEquals("ls -l", Cmdline.quoted("ls\0-l\0".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("[\"ls\",\"-l\"]", Cmdline.json("ls\0-l\0".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("a  b", Cmdline.quoted("a\0\0b\0".getBytes(StandardCharsets.US_ASCII)));
    }
}
