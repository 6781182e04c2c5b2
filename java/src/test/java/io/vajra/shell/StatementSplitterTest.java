package io.vajra.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatementSplitterTest {
    @Test
    void splitsAtSemicolons() {
        StatementSplitter.Split s = StatementSplitter.split("SELECT 1; SELECT 2;");
        assertEquals(List.of("SELECT 1", "SELECT 2"), s.statements());
        assertFalse(s.remainderHasSql());
    }

    @Test
    void semicolonsInQuotesAndCommentsDoNotSplit() {
        StatementSplitter.Split s = StatementSplitter.split(
                "SELECT 'a;b', \"c;d\", [e;f], `g;h` -- x;y\n FROM t /* ; */ WHERE x = 'it''s;';");
        assertEquals(List.of("SELECT 'a;b', \"c;d\", [e;f], `g;h` -- x;y\n FROM t /* ; */ WHERE x = 'it''s;'"),
                s.statements());
    }

    @Test
    void anUnfinishedStatementIsTheRemainder() {
        StatementSplitter.Split s = StatementSplitter.split("SELECT 1; SELECT pid\nFROM t");
        assertEquals(List.of("SELECT 1"), s.statements());
        assertEquals(" SELECT pid\nFROM t", s.remainder());
        assertTrue(s.remainderHasSql());
    }

    @Test
    void anOpenQuoteOrCommentWantsMoreText() {
        assertTrue(StatementSplitter.split("SELECT 'abc;").remainderHasSql());
        assertTrue(StatementSplitter.split("/* SELECT;").remainderHasSql());
        assertEquals(List.of(), StatementSplitter.split("SELECT 'abc;").statements());
    }

    @Test
    void blankStatementsAndTrailingCommentsAreNotSql() {
        StatementSplitter.Split s = StatementSplitter.split(" ; ;SELECT 1; -- done");
        assertEquals(List.of("SELECT 1"), s.statements());
        assertFalse(s.remainderHasSql());
        assertFalse(StatementSplitter.split("/* only a comment */ ;").remainderHasSql());
        assertEquals(List.of(), StatementSplitter.split("/* only a comment */ ;").statements());
    }
}
