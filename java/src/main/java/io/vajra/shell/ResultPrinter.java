package io.vajra.shell;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vajra.format.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints a result set in one {@link OutputMode}. Every mode but pretty streams rows as they
 * come; pretty needs all rows first to size its columns. Nothing is printed for no rows.
 */
final class ResultPrinter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ResultPrinter() {}

    static void print(ResultSet rs, OutputMode mode, PrintWriter out) throws SQLException, IOException {
        ResultSetMetaData meta = rs.getMetaData();
        String[] names = new String[meta.getColumnCount()];
        for (int i = 0; i < names.length; i++) {
            names[i] = meta.getColumnLabel(i + 1);
        }
        switch (mode) {
            case PRETTY:
                pretty(rs, names, out);
                break;
            case LINE:
                line(rs, names, out);
                break;
            case CSV:
                separated(rs, names, out, ",", true);
                break;
            case LIST:
                separated(rs, names, out, "|", false);
                break;
            case JSON:
            case JSONL:
                json(rs, names, out, mode == OutputMode.JSONL);
                break;
            default:
                throw new AssertionError(mode);
        }
        out.flush();
    }

    private static void pretty(ResultSet rs, String[] names, PrintWriter out) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        int[] widths = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            widths[i] = width(names[i]);
        }
        while (rs.next()) {
            String[] row = new String[names.length];
            for (int i = 0; i < names.length; i++) {
                // A raw newline or tab would break the box: show them escaped, in this mode only.
                row[i] = text(rs.getObject(i + 1)).replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
                widths[i] = Math.max(widths[i], width(row[i]));
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            return;
        }
        StringBuilder border = new StringBuilder("+");
        for (int w : widths) {
            border.append("-".repeat(w + 2)).append('+');
        }
        out.println(border);
        out.println(boxRow(names, widths));
        out.println(border);
        for (String[] row : rows) {
            out.println(boxRow(row, widths));
        }
        out.println(border);
    }

    private static String boxRow(String[] values, int[] widths) {
        StringBuilder line = new StringBuilder("|");
        for (int i = 0; i < values.length; i++) {
            line.append(' ').append(values[i]).append(" ".repeat(widths[i] - width(values[i]))).append(" |");
        }
        return line.toString();
    }

    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }

    private static void line(ResultSet rs, String[] names, PrintWriter out) throws SQLException {
        int nameWidth = 0;
        for (String name : names) {
            nameWidth = Math.max(nameWidth, width(name));
        }
        boolean first = true;
        while (rs.next()) {
            if (!first) {
                out.println();
            }
            first = false;
            for (int i = 0; i < names.length; i++) {
                out.print(" ".repeat(nameWidth - width(names[i])));
                out.print(names[i]);
                out.print(" = ");
                out.println(text(rs.getObject(i + 1)));
            }
        }
    }

    private static void separated(ResultSet rs, String[] names, PrintWriter out, String separator, boolean csv)
            throws SQLException {
        boolean first = true;
        while (rs.next()) {
            if (first) {
                out.println(joined(names, separator, csv));
                first = false;
            }
            String[] values = new String[names.length];
            for (int i = 0; i < names.length; i++) {
                values[i] = text(rs.getObject(i + 1));
            }
            out.println(joined(values, separator, csv));
        }
    }

    private static String joined(String[] values, String separator, boolean csv) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                line.append(separator);
            }
            line.append(csv ? csvField(values[i]) : values[i]);
        }
        return line.toString();
    }

    static String csvField(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static void json(ResultSet rs, String[] names, PrintWriter out, boolean lines)
            throws SQLException, IOException {
        boolean first = true;
        while (rs.next()) {
            if (!lines) {
                out.print(first ? "[\n  " : ",\n  ");
            }
            first = false;
            JsonGenerator json = Json.FACTORY.createGenerator(out);
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.writeStartObject();
            for (int i = 0; i < names.length; i++) {
                json.writeFieldName(names[i]);
                writeJsonValue(json, rs.getObject(i + 1));
            }
            json.writeEndObject();
            json.close();
            if (lines) {
                out.println();
            }
        }
        if (!lines) {
            out.println(first ? "[]" : "\n]");
        }
    }

    private static void writeJsonValue(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Integer || value instanceof Long) {
            json.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            json.writeNumber(((Number) value).doubleValue());
        } else {
            json.writeString(text(value));
        }
    }

    /** A value as SQLite's shell shows it: NULL empty, reals with up to 15 digits. */
    static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Double || value instanceof Float) {
            return real(((Number) value).doubleValue());
        }
        if (value instanceof byte[]) {
            byte[] bytes = (byte[]) value;
            StringBuilder hex = new StringBuilder(bytes.length * 2);
            for (byte b : bytes) {
                hex.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
            return hex.toString();
        }
        return value.toString();
    }

    static String real(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return (long) d + ".0";
        }
        BigDecimal rounded = new BigDecimal(d).round(new MathContext(15)).stripTrailingZeros();
        return Math.abs(d) >= 1e-4 && Math.abs(d) < 1e15 ? rounded.toPlainString() : rounded.toString();
    }
}
