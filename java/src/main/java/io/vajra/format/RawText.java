package io.vajra.format;

import java.nio.charset.StandardCharsets;

/**
 * Turns raw kernel bytes (paths, arguments, comm) into text without losing information:
 * well-formed UTF-8 passes through unchanged (newlines and tabs included); every byte that is
 * not part of a well-formed UTF-8 sequence becomes the four characters {@code \xNN}
 * (lower-case hex). The JDK's decoders would replace such bytes with U+FFFD, which hides
 * exactly what an investigator needs to see.
 *
 * <p>Well-formed means Unicode's definition (Table 3-7): no overlong forms, no surrogates,
 * nothing above U+10FFFF. A literal backslash in valid text is not escaped, so the encoding is
 * meant for reading, not for reversing.
 */
public final class RawText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char REPLACEMENT = '\uFFFD';

    private RawText() {}

    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes up to the first NUL, for fixed-size C strings such as comm. */
    public static String decodeUntilNul(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return decode(bytes, 0, end);
    }

    public static String decode(byte[] bytes, int offset, int length) {
        // The JDK's UTF-8 decoder scans ASCII with vector instructions and is as strict as
        // Table 3-7; it puts U+FFFD where the bytes are not well-formed. So text without U+FFFD
        // (for ASCII text, found without a scan) is the answer, and only text with one needs
        // the careful look: the bytes may hold a U+FFFD of their own.
        String text = new String(bytes, offset, length, StandardCharsets.UTF_8);
        if (text.indexOf(REPLACEMENT) < 0) {
            return text;
        }
        return decodeCarefully(bytes, offset, length);
    }

    /** {@link #decode} without the JDK's decoder deciding what is well-formed: the reference. */
    static String decodeCarefully(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end && bytes[i] >= 0) {
            i++;
        }
        if (i == end) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
        if (isWellFormed(bytes, i, end)) {
            return new String(bytes, offset, length, StandardCharsets.UTF_8);
        }
        return decodeEscaping(bytes, offset, end);
    }

    private static boolean isWellFormed(byte[] bytes, int from, int end) {
        int i = from;
        while (i < end) {
            if (bytes[i] >= 0) {
                i++;
                continue;
            }
            int n = sequenceLength(bytes, i, end);
            if (n == 0) {
                return false;
            }
            i += n;
        }
        return true;
    }

    private static String decodeEscaping(byte[] bytes, int offset, int end) {
        StringBuilder out = new StringBuilder(end - offset + 16);
        int i = offset;
        while (i < end) {
            int b = bytes[i] & 0xff;
            if (b < 0x80) {
                out.append((char) b);
                i++;
                continue;
            }
            int n = sequenceLength(bytes, i, end);
            if (n == 0) {
                out.append('\\').append('x').append(HEX[b >>> 4]).append(HEX[b & 0xf]);
                i++;
            } else {
                out.appendCodePoint(codePoint(bytes, i, n));
                i += n;
            }
        }
        return out.toString();
    }

    /**
     * Length of the well-formed multi-byte sequence starting at {@code i}, or 0 when the bytes
     * there are not one (Unicode Table 3-7 ranges for the second byte).
     */
    private static int sequenceLength(byte[] bytes, int i, int end) {
        int b0 = bytes[i] & 0xff;
        int n;
        int lo = 0x80;
        int hi = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            n = 2;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            n = 3;
            if (b0 == 0xe0) {
                lo = 0xa0; // overlong
            } else if (b0 == 0xed) {
                hi = 0x9f; // surrogates
            }
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            n = 4;
            if (b0 == 0xf0) {
                lo = 0x90; // overlong
            } else if (b0 == 0xf4) {
                hi = 0x8f; // above U+10FFFF
            }
        } else {
            return 0;
        }
        if (i + n > end) {
            return 0;
        }
        int b1 = bytes[i + 1] & 0xff;
        if (b1 < lo || b1 > hi) {
            return 0;
        }
        for (int k = 2; k < n; k++) {
            int b = bytes[i + k] & 0xff;
            if (b < 0x80 || b > 0xbf) {
                return 0;
            }
        }
        return n;
    }

    private static int codePoint(byte[] bytes, int i, int n) {
        int b0 = bytes[i] & 0xff;
        int cp = n == 2 ? b0 & 0x1f : n == 3 ? b0 & 0x0f : b0 & 0x07;
        for (int k = 1; k < n; k++) {
            cp = (cp << 6) | (bytes[i + k] & 0x3f);
        }
        return cp;
    }
}
