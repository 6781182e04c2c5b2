package io.vajra.osquery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.osquery.QueryContext.Constraint;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueryContextTest {
    private static QueryContext parse(String json) throws MalformedContextException {
        return QueryContext.parse(json);
    }

    private static String malformed(String json) {
        return assertThrows(MalformedContextException.class, () -> parse(json)).getMessage();
    }

    @Test
    void theCurrentFormWithEveryKeyOsquerySends() throws Exception {
        QueryContext c = parse("{\"constraints\":["
                + "{\"name\":\"pid\",\"affinity\":\"BIGINT\",\"list\":[{\"op\":2,\"expr\":\"42\"}]},"
                + "{\"name\":\"path\",\"affinity\":\"TEXT\",\"list\":[{\"op\":65,\"expr\":\"/usr/%\"}]},"
                + "{\"name\":\"cwd\",\"affinity\":\"TEXT\",\"list\":[]}],"
                + "\"colsUsed\":[\"pid\",\"path\"],\"colsUsedBitset\":3}");
        assertEquals(List.of(new Constraint(QueryContext.EQUALS, "42")), c.constraints("pid"));
        assertEquals(List.of(new Constraint(QueryContext.LIKE, "/usr/%")), c.constraints("path"));
        assertEquals(List.of(), c.constraints("cwd"));
        assertEquals(Set.of("pid", "path"), c.constrainedColumns());
        assertEquals(Set.of("pid", "path"), c.columnsUsed());
        assertEquals(3, c.columnsUsedBitset().getAsLong());
    }

    @Test
    void anSqlInArrivesAsSeveralEqualsOnOneColumn() throws Exception {
        QueryContext c = parse("{\"constraints\":[{\"name\":\"pid\",\"list\":["
                + "{\"op\":2,\"expr\":\"1\"},{\"op\":2,\"expr\":\"2\"},{\"op\":2,\"expr\":\"3\"}]}]}");
        assertEquals(List.of(new Constraint(2, "1"), new Constraint(2, "2"), new Constraint(2, "3")),
                c.constraints("pid"));
    }

    @Test
    void olderOsquerySendsTheListAsAStringAndOpsAsStrings() throws Exception {
        QueryContext c = parse("{\"constraints\":["
                + "{\"name\":\"eid\",\"affinity\":\"BIGINT\",\"list\":\"[{\\\"op\\\":\\\"4\\\",\\\"expr\\\":\\\"10\\\"}]\"},"
                + "{\"name\":\"path\",\"affinity\":\"TEXT\",\"list\":\"\"}]}");
        assertEquals(List.of(new Constraint(QueryContext.GREATER_THAN, "10")), c.constraints("eid"));
        assertEquals(List.of(), c.constraints("path"));
        assertNull(c.columnsUsed(), "no colsUsed: every column is wanted");
        assertTrue(c.columnsUsedBitset().isEmpty());
    }

    @Test
    void constraintsOfOneColumnInSeveralEntriesAreKeptTogether() throws Exception {
        QueryContext c = parse("{\"constraints\":[{\"name\":\"time\",\"list\":[{\"op\":32,\"expr\":\"5\"}]},"
                + "{\"name\":\"time\",\"list\":[{\"op\":16,\"expr\":\"9\"}]}]}");
        assertEquals(List.of(new Constraint(32, "5"), new Constraint(16, "9")), c.constraints("time"));
    }

    @Test
    void numbersAndNullsAsExpressionsAndUnknownKeysAreTolerated() throws Exception {
        QueryContext c = parse("{\"future\":{\"x\":[1,2]},\"constraints\":[{\"name\":\"pid\",\"extra\":[true],"
                + "\"list\":[{\"op\":8,\"expr\":7,\"more\":{}},{\"op\":2,\"expr\":null}]}],"
                + "\"colsUsedBitset\":18446744073709551615}");
        assertEquals(List.of(new Constraint(8, "7"), new Constraint(2, null)), c.constraints("pid"));
        assertEquals(-1L, c.columnsUsedBitset().getAsLong(), "a uint64 keeps its bits");
    }

    @Test
    void anEmptyObjectHasNoConstraints() throws Exception {
        QueryContext c = parse("{}");
        assertEquals(Set.of(), c.constrainedColumns());
        assertNull(c.columnsUsed());
    }

    @Test
    void malformedContextsSayWhatIsWrong() {
        assertEquals("the generate request has no context", malformed(null));
        assertEquals("malformed context: the context must be an object, not nothing", malformed(""));
        assertTrue(malformed("{\"constraints\":[").startsWith("malformed context JSON"));
        assertTrue(malformed("not json").startsWith("malformed context JSON at column 4: Unrecognized token"));
        assertEquals("malformed context: the context must be an object, not an array", malformed("[]"));
        assertEquals("malformed context: constraints must be an array, not \"x\"", malformed("{\"constraints\":\"x\"}"));
        assertEquals("malformed context: constraints[0] must be an object, not 5", malformed("{\"constraints\":[5]}"));
        assertEquals("malformed context: constraints[0] has no name",
                malformed("{\"constraints\":[{\"list\":[]}]}"));
        assertEquals("malformed context: constraints[0].list[0] needs both op and expr",
                malformed("{\"constraints\":[{\"name\":\"pid\",\"list\":[{\"op\":2}]}]}"));
        assertEquals("malformed context: constraints[0].list[0].op must be an integer operator, not \"eq\"",
                malformed("{\"constraints\":[{\"name\":\"pid\",\"list\":[{\"op\":\"eq\",\"expr\":\"1\"}]}]}"));
        assertEquals("malformed context: constraints[0].list[0].expr must be a string, not an object",
                malformed("{\"constraints\":[{\"name\":\"pid\",\"list\":[{\"op\":2,\"expr\":{}}]}]}"));
        assertEquals("malformed context: constraints[0].list must be an array, not 3",
                malformed("{\"constraints\":[{\"name\":\"pid\",\"list\":3}]}"));
        assertTrue(malformed("{\"constraints\":[{\"name\":\"pid\",\"list\":\"[{\\\"op\\\":\"}]}")
                .startsWith("malformed context JSON"));
        assertEquals("malformed context: colsUsed entries must be a string, not 1", malformed("{\"colsUsed\":[1]}"));
        assertEquals("malformed context: colsUsedBitset must be an unsigned 64-bit integer, not -1",
                malformed("{\"colsUsedBitset\":-1}"));
        assertEquals("malformed context: content after the JSON object", malformed("{} {}"));
    }
}
