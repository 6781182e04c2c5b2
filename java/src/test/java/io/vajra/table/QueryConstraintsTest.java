package io.vajra.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.table.QueryConstraints.Operator;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class QueryConstraintsTest {
    private static LongBounds bounds(Operator op, String value) {
        return QueryConstraints.builder().add("c", op, value).build().bounds("c");
    }

    @Test
    void integerOperatorsBecomeInclusiveBounds() {
        assertEquals(new LongBounds(5, 5), bounds(Operator.EQUALS, "5"));
        assertEquals(new LongBounds(6, Long.MAX_VALUE), bounds(Operator.GREATER_THAN, "5"));
        assertEquals(new LongBounds(5, Long.MAX_VALUE), bounds(Operator.GREATER_OR_EQUAL, " 5 "));
        assertEquals(new LongBounds(Long.MIN_VALUE, 4), bounds(Operator.LESS_THAN, "5"));
        assertEquals(new LongBounds(Long.MIN_VALUE, 5), bounds(Operator.LESS_OR_EQUAL, "5"));
        assertTrue(bounds(Operator.GREATER_THAN, Long.toString(Long.MAX_VALUE)).isEmpty());
        assertTrue(bounds(Operator.LESS_THAN, Long.toString(Long.MIN_VALUE)).isEmpty());
    }

    @Test
    void realValuesRoundTowardsTheIntegersTheyAdmit() {
        assertEquals(new LongBounds(3, Long.MAX_VALUE), bounds(Operator.GREATER_THAN, "2.5"));
        assertEquals(new LongBounds(3, Long.MAX_VALUE), bounds(Operator.GREATER_OR_EQUAL, "2.5"));
        assertEquals(new LongBounds(Long.MIN_VALUE, 2), bounds(Operator.LESS_THAN, "2.5"));
        assertEquals(new LongBounds(Long.MIN_VALUE, 2), bounds(Operator.LESS_OR_EQUAL, "2.5"));
        assertEquals(new LongBounds(Long.MIN_VALUE, 2), bounds(Operator.LESS_THAN, "3.0"));
        assertTrue(bounds(Operator.EQUALS, "2.5").isEmpty());
        assertEquals(new LongBounds(3, 3), bounds(Operator.EQUALS, "3.0"));
        assertEquals(new LongBounds(-2, Long.MAX_VALUE), bounds(Operator.GREATER_THAN, "-2.5"));
    }

    @Test
    void textThatIsNotANumberIsNotPushedDown() {
        assertEquals(LongBounds.ALL, bounds(Operator.EQUALS, "abc"));
        assertEquals(LongBounds.ALL, QueryConstraints.NONE.bounds("eid"));
    }

    @Test
    void constraintsOnOneColumnIntersect() {
        QueryConstraints c = QueryConstraints.builder()
                .add("eid", Operator.GREATER_OR_EQUAL, 10)
                .add("eid", Operator.LESS_THAN, 20)
                .add("eid", Operator.GREATER_THAN, 12)
                .add("time", Operator.EQUALS, 7)
                .build();
        assertEquals(new LongBounds(13, 19), c.bounds("eid"));
        assertEquals(new LongBounds(7, 7), c.bounds("time"));
    }

    @Test
    void severalEqualsOnOneColumnAreASetAsSqlInSendsThem() {
        QueryConstraints c = QueryConstraints.builder()
                .add("pid", Operator.EQUALS, "7")
                .add("pid", Operator.EQUALS, "3")
                .add("pid", Operator.EQUALS, "7.0")
                .add("pid", Operator.EQUALS, "2.5")
                .build();
        LongFilter pids = c.filter("pid");
        assertEquals(new LongBounds(3, 7), pids.bounds());
        assertTrue(pids.test(3));
        assertTrue(pids.test(7));
        assertFalse(pids.test(5));
        assertEquals(3, pids.values()[0]);
    }

    @Test
    void listedValuesOutsideARangeOnTheSameColumnAreDropped() {
        QueryConstraints c = QueryConstraints.builder()
                .add("eid", Operator.EQUALS, 5)
                .add("eid", Operator.EQUALS, 50)
                .add("eid", Operator.GREATER_THAN, 10)
                .build();
        assertEquals(new LongBounds(50, 50), c.bounds("eid"));
        QueryConstraints none = QueryConstraints.builder()
                .add("eid", Operator.EQUALS, 5)
                .add("eid", Operator.GREATER_THAN, 10)
                .build();
        assertTrue(none.filter("eid").isEmpty());
    }

    @Test
    void aListWithANonNumberCannotNarrowAnything() {
        QueryConstraints c = QueryConstraints.builder()
                .add("pid", Operator.EQUALS, "7")
                .add("pid", Operator.EQUALS, "x")
                .add("pid", Operator.LESS_THAN, "100")
                .build();
        assertNull(c.filter("pid").values());
        assertEquals(new LongBounds(Long.MIN_VALUE, 99), c.bounds("pid"));
        assertTrue(c.filter("pid").test(42));
        assertTrue(QueryConstraints.NONE.filter("pid").isAll());
    }

    @Test
    void usedColumnsDefaultToAll() {
        assertTrue(QueryConstraints.NONE.isUsed(40));
        BitSet used = new BitSet();
        used.set(1);
        QueryConstraints c = QueryConstraints.builder().usedColumns(used).build();
        assertTrue(c.isUsed(1));
        assertFalse(c.isUsed(0));
    }

    @Test
    void operatorsParseFromSql() {
        assertEquals(Operator.EQUALS, Operator.ofSymbol("=="));
        assertEquals(Operator.GREATER_OR_EQUAL, Operator.ofSymbol(">="));
        assertNull(Operator.ofSymbol("LIKE"));
    }
}
