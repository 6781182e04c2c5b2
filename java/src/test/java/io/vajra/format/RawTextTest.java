package io.vajra.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawTextTest {
    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void asciiPassesThrough() {
        assertEquals("/usr/bin/ls -la", RawText.decode(utf8("/usr/bin/ls -la")));
        assertEquals("", RawText.decode(new byte[0]));
    }

    @Test
    void validUtf8PassesThroughIncludingControlCharacters() {
        assertEquals("café 日本 😀", RawText.decode(utf8("café 日本 😀")));
        assertEquals("line1\nline2\ttab\r", RawText.decode(utf8("line1\nline2\ttab\r")));
        assertEquals("a\\xff", RawText.decode(utf8("a\\xff")), "a literal backslash is left alone");
    }

    @Test
    void eachInvalidByteBecomesLowerCaseHex() {
        assertEquals("f\\xffo", RawText.decode(bytes('f', 0xff, 'o')));
        assertEquals("\\xff\\xfeok", RawText.decode(bytes(0xff, 0xfe, 'o', 'k')));
        assertEquals("\\x80", RawText.decode(bytes(0x80)), "a lone continuation byte");
        assertEquals("caf\\xc3", RawText.decode(bytes('c', 'a', 'f', 0xc3)), "cut before its continuation");
        assertEquals("\\xe2\\x82x", RawText.decode(bytes(0xe2, 0x82, 'x')), "a 3-byte sequence missing its end");
        assertEquals("café\\xab", RawText.decode(bytes('c', 'a', 'f', 0xc3, 0xa9, 0xab)), "valid then invalid");
    }

    @Test
    void malformedFormsAreEscapedNotDecoded() {
        assertEquals("\\xc0\\xaf", RawText.decode(bytes(0xc0, 0xaf)), "overlong '/'");
        assertEquals("\\xe0\\x80\\xaf", RawText.decode(bytes(0xe0, 0x80, 0xaf)), "overlong 3-byte");
        assertEquals("\\xed\\xa0\\x80", RawText.decode(bytes(0xed, 0xa0, 0x80)), "a UTF-16 surrogate");
        assertEquals("\\xf4\\x90\\x80\\x80", RawText.decode(bytes(0xf4, 0x90, 0x80, 0x80)), "above U+10FFFF");
        assertEquals("\\xf8\\x88\\x80\\x80\\x80", RawText.decode(bytes(0xf8, 0x88, 0x80, 0x80, 0x80)));
        assertEquals("\uD7FF", RawText.decode(bytes(0xed, 0x9f, 0xbf)), "U+D7FF is the last before surrogates");
        assertEquals("\uDBFF\uDFFF", RawText.decode(bytes(0xf4, 0x8f, 0xbf, 0xbf)), "U+10FFFF is valid");
    }

    @Test
    void offsetAndLengthSelectASubrange() {
        assertEquals("b\\xff", RawText.decode(bytes('a', 'b', 0xff, 'c'), 1, 2));
    }

    @Test
    void decodeUntilNulStopsAtTheFirstNul() {
        assertEquals("bash", RawText.decodeUntilNul(bytes('b', 'a', 's', 'h', 0, 'x', 0, 0)));
        assertEquals("sixteen-chars-ab", RawText.decodeUntilNul(utf8("sixteen-chars-ab")));
    }
}
