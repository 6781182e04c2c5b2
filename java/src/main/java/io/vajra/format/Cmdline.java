package io.vajra.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The two command-line columns, built exactly as osquery's bpf_process_events built them
 * (BPFProcessEventSubscriber::generateCmdlineColumn / generateJsonCmdlineColumn), so saved
 * queries and detections keep matching.
 */
public final class Cmdline {
    private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

    private Cmdline() {}

    /**
     * {@link #quoted(List)} of {@link Argv#split}{@code (argv)}; straight from the bytes when
     * every argument is plain (see {@link #isPlain}), as nearly all are.
     */
    public static String quoted(byte[] argv) {
        if (!isPlain(argv)) {
            return quoted(Argv.split(argv));
        }
        byte[] text = Arrays.copyOf(argv, argv.length - 1); // without the last NUL
        for (int i = 0; i < text.length; i++) {
            if (text[i] == 0) {
                text[i] = ' ';
            }
        }
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    /** {@link #json(List)} of {@link Argv#split}{@code (argv)}; likewise. */
    public static String json(byte[] argv) {
        if (!isPlain(argv)) {
            return json(Argv.split(argv));
        }
        int args = 0;
        for (byte b : argv) {
            args += b == 0 ? 1 : 0;
        }
        // ["a","b"]: the bytes, a quote before and after each argument, commas, brackets
        byte[] text = new byte[argv.length - args + 2 * args + (args - 1) + 2];
        int at = 0;
        text[at++] = '[';
        text[at++] = '"';
        for (int i = 0; i < argv.length - 1; i++) {
            if (argv[i] == 0) {
                text[at++] = '"';
                text[at++] = ',';
                text[at++] = '"';
            } else {
                text[at++] = argv[i];
            }
        }
        text[at++] = '"';
        text[at] = ']';
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    /**
     * Whether argv's arguments are all whole (NUL-ended) and printable ASCII without space,
     * quote or backslash: nothing to decode, quote or escape in either column.
     */
    static boolean isPlain(byte[] argv) {
        if (argv.length == 0 || argv[argv.length - 1] != 0) {
            return false;
        }
        for (byte b : argv) {
            if (b != 0 && (b < 0x21 || b > 0x7e || b == '"' || b == '\\')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Arguments joined by single spaces; an argument holding a C-locale white-space character
     * (space, \t, \n, \v, \f, \r) is wrapped in single quotes. Nothing inside is escaped, and an
     * empty argument stays empty (so it shows as two adjacent spaces) — osquery did the same.
     */
    public static String quoted(List<String> args) {
        int length = args.size();
        for (String arg : args) {
            length += arg.length() + 2;
        }
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) {
                out.append(' ');
            }
            String arg = args.get(i);
            if (hasCWhiteSpace(arg)) {
                out.append('\'').append(arg).append('\'');
            } else {
                out.append(arg);
            }
        }
        return out.toString();
    }

    /**
     * The arguments as a compact JSON array of strings: {@code ["ls","-l"]}, escaped as
     * Jackson's default generator escapes (the column's text has always come from it): {@code "}
     * and {@code \\} with a backslash, \b \t \n \f \r by name, other characters below U+0020
     * as {@code \\u00XX} (upper-case hex), everything else as it is. Written by hand because a
     * generator per row cost as much as the rest of the row.
     */
    public static String json(List<String> args) {
        int length = 2 + args.size();
        for (String arg : args) {
            length += arg.length() + 2;
        }
        StringBuilder out = new StringBuilder(length);
        out.append('[');
        for (int i = 0; i < args.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            appendJsonString(out, args.get(i));
        }
        return out.append(']').toString();
    }

    private static void appendJsonString(StringBuilder out, String s) {
        out.append('"');
        int plainFrom = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, plainFrom, i).append('\\');
            switch (c) {
                case '"' -> out.append('"');
                case '\\' -> out.append('\\');
                case '\b' -> out.append('b');
                case '\t' -> out.append('t');
                case '\n' -> out.append('n');
                case '\f' -> out.append('f');
                case '\r' -> out.append('r');
                default -> out.append("u00").append(UPPER_HEX[c >>> 4]).append(UPPER_HEX[c & 0xf]);
            }
            plainFrom = i + 1;
        }
        out.append(s, plainFrom, s.length()).append('"');
    }

    /** std::isspace in the C locale: multi-byte spaces such as U+00A0 do not count. */
    static boolean hasCWhiteSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || (c >= '\t' && c <= '\r')) {
                return true;
            }
        }
        return false;
    }
}
