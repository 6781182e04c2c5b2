package io.vajra.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgvTest {
    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void eachArgumentEndsWithNul() {
        assertEquals(List.of("ls", "-l", "/tmp"), Argv.split(raw("ls\0-l\0/tmp\0")));
    }

    @Test
    void emptyArgumentsAreKept() {
        assertEquals(List.of("a", "", "b"), Argv.split(raw("a\0\0b\0")));
        assertEquals(List.of(""), Argv.split(raw("\0")));
        assertEquals(List.of("a", ""), Argv.split(raw("a\0\0")));
    }

    @Test
    void aLastArgumentCutBeforeItsNulIsKept() {
        assertEquals(List.of("echo", "trunc"), Argv.split(raw("echo\0trunc")));
    }

    @Test
    void noBytesNoArguments() {
        assertEquals(List.of(), Argv.split(new byte[0]));
    }

    @Test
    void argumentsAreDecodedAsRawText() {
        assertEquals(List.of("\\xff\\xfeok", "café"), Argv.split(raw("\u00ff\u00feok\0caf\u00c3\u00a9\0")));
    }
}
