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

    /**
     * decode trusts the JDK's decoder to mark every byte that is not well-formed with U+FFFD;
     * checked against the careful reference for every lead byte with a spread of following bytes.
     */
    @Test
    void theFastPathAgreesWithTheCarefulOneOnEveryKindOfSequence() {
        for (int b0 = 0; b0 < 256; b0++) { // every one- and two-byte start, then 'z'
            for (int b1 = 0; b1 < 256; b1++) {
                assertSameDecoding(bytes('a', b0, b1, 'z'));
                assertSameDecoding(bytes('a', b0, b1));
            }
        }
        // Three- and four-byte leads with second bytes across every boundary of Table 3-7.
        int[] follow = {0x00, 0x2f, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xff};
        for (int b0 = 0xe0; b0 < 256; b0++) {
            for (int b1 = 0x70; b1 < 0xd0; b1++) {
                for (int b2 : follow) {
                    assertSameDecoding(bytes('a', b0, b1, b2));
                    for (int b3 : follow) {
                        assertSameDecoding(bytes('a', b0, b1, b2, b3));
                        assertSameDecoding(bytes('a', b0, b1, b2, b3, 'z'));
                    }
                }
            }
        }
        assertEquals("\ufffd", RawText.decode(bytes(0xef, 0xbf, 0xbd)), "a U+FFFD of the text's own");
        assertEquals("\ufffd\\xff", RawText.decode(bytes(0xef, 0xbf, 0xbd, 0xff)));
    }

    private static void assertSameDecoding(byte[] in) {
        String fast = RawText.decode(in, 0, in.length);
        String careful = RawText.decodeCarefully(in, 0, in.length);
        if (!fast.equals(careful)) { // assertEquals builds its message eagerly: only on failure
            StringBuilder hex = new StringBuilder();
            for (byte b : in) {
                hex.append(String.format("%02x ", b & 0xff));
            }
            assertEquals(careful, fast, hex.toString());
        }
    }
}
