package io.vajra.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts SQL text into statements at the semicolons SQLite would end them at: not inside
 * '...', "...", `...`, [...], -- comments or block comments.
 */
final class StatementSplitter {
    private StatementSplitter() {}

    /**
     * @param statements complete statements, without their ';', blank ones left out
     * @param remainder  the text after the last ';'
     * @param remainderHasSql whether the remainder holds more than white space and comments
     *                        (an unclosed quote or comment counts as SQL: it wants more text)
     */
    record Split(List<String> statements, String remainder, boolean remainderHasSql) {}

    static Split split(String text) {
        List<String> statements = new ArrayList<>();
        int start = 0;
        boolean hasSql = false;
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"' || c == '`' || c == '[') {
                char close = c == '[' ? ']' : c;
                int end = text.indexOf(close, i + 1);
                hasSql = true;
                if (end < 0) {
                    return new Split(statements, text.substring(start), true);
                }
                i = end + 1; // a doubled quote ('') simply reopens on the next turn
            } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
                int end = text.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                if (end < 0) {
                    return new Split(statements, text.substring(start), true);
                }
                i = end + 2;
            } else if (c == ';') {
                if (hasSql) {
                    statements.add(text.substring(start, i).strip());
                }
                start = i + 1;
                hasSql = false;
                i++;
            } else {
                hasSql |= !Character.isWhitespace(c);
                i++;
            }
        }
        return new Split(statements, text.substring(start), hasSql);
    }
}
