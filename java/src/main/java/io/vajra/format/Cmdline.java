package io.vajra.format;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The two command-line columns, built exactly as osquery's bpf_process_events built them
 * (BPFProcessEventSubscriber::generateCmdlineColumn / generateJsonCmdlineColumn), so saved
 * queries and detections keep matching.
 */
public final class Cmdline {
    private Cmdline() {}

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

    /** The arguments as a compact JSON array of strings: {@code ["ls","-l"]}. */
    public static String json(List<String> args) {
        StringWriter out = new StringWriter(16 + args.size() * 8);
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            json.writeStartArray();
            for (String arg : args) {
                json.writeString(arg);
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
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
