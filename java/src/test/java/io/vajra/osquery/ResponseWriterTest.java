package io.vajra.osquery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vajra.osquery.thrift.Extension;
import io.vajra.osquery.thrift.ExtensionResponse;
import io.vajra.osquery.thrift.ExtensionStatus;
import io.vajra.table.SelectedRows;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.transport.TIOStreamTransport;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TTransportException;
import org.junit.jupiter.api.Test;

/** The hand-encoded reply must be byte for byte what the generated code writes. */
class ResponseWriterTest {
    private static final RowLayout LAYOUT = new RowLayout(new String[] {"pid", "path", "size", "ratio", "vajra_reader"});

    private static byte[] fast(ExtensionResponse response) throws Exception {
        TMemoryBuffer buffer = new TMemoryBuffer(1024);
        ResponseWriter.writeCallReply(new TBinaryProtocol(buffer), 7, response);
        return Arrays.copyOf(buffer.getArray(), buffer.length());
    }

    private static byte[] generated(ExtensionResponse response) throws Exception {
        TMemoryBuffer buffer = new TMemoryBuffer(1024);
        TBinaryProtocol out = new TBinaryProtocol(buffer);
        out.writeMessageBegin(new TMessage("call", TMessageType.REPLY, 7));
        new Extension.call_result(response).write(out);
        out.writeMessageEnd();
        return Arrays.copyOf(buffer.getArray(), buffer.length());
    }

    private static ExtensionResponse read(byte[] bytes) throws Exception {
        TMemoryBuffer buffer = new TMemoryBuffer(bytes.length);
        buffer.write(bytes);
        TBinaryProtocol in = new TBinaryProtocol(buffer);
        assertEquals(7, in.readMessageBegin().seqid);
        Extension.call_result result = new Extension.call_result();
        result.read(in);
        return result.getSuccess();
    }

    private static RowMap row(Object... values) {
        return new RowMap(LAYOUT, Arrays.copyOf(values, 4), null, (String) values[4]);
    }

    @Test
    void rowsEncodeExactlyAsTheGeneratedCodeWouldAndReadBack() throws Exception {
        List<Map<String, String>> rows = new ArrayList<>();
        rows.add(row(7L, "/usr/bin/ls", 0L, 0.5, "audit"));
        rows.add(row(-1L, "", Long.MIN_VALUE, Double.NaN, null));
        rows.add(row(Long.MAX_VALUE, "caf\u00e9 \ud83d\ude00 \\xff", 1_000_000_000_000_000_000L, -2.0E-9, "r\u00e9"));
        rows.add(row(null, null, 10L, null, null));
        rows.add(row(9L, "x".repeat(70_000), 99L, 1.0, "big")); // larger than the writer's buffer
        Map<String, String> plain = new LinkedHashMap<>();
        plain.put("id", "column");
        plain.put("name", "\u00fcber");
        rows.add(plain);
        for (int i = 0; i < 2000; i++) { // crosses the buffer boundary many times
            rows.add(row((long) i, "/p/" + i, (long) -i, (double) i, "r" + i));
        }
        ExtensionResponse response = new ExtensionResponse(new ExtensionStatus(0, "OK", 42), rows);

        byte[] fast = fast(response);
        assertArrayEquals(generated(response), fast);
        ExtensionResponse back = read(fast);
        assertEquals(Map.of("pid", "7", "path", "/usr/bin/ls", "size", "0", "ratio", "0.5", "vajra_reader", "audit"),
                back.getResponse().get(0));
        assertEquals(Map.of("pid", "-1", "path", "", "size", "-9223372036854775808"), back.getResponse().get(1));
        assertEquals("caf\u00e9 \ud83d\ude00 \\xff", back.getResponse().get(2).get("path"));
        assertEquals("1000000000000000000", back.getResponse().get(2).get("size"));
        assertEquals(Map.of("size", "10"), back.getResponse().get(3));
        assertEquals(70_000, back.getResponse().get(4).get("path").length());
        assertEquals(plain, back.getResponse().get(5));
        assertEquals(42, back.getStatus().getUuid());
    }

    @Test
    void statusOnlyAndEmptyResponsesToo() throws Exception {
        ExtensionResponse failure = new ExtensionResponse(new ExtensionStatus(1, "no such table", 3), new ArrayList<>());
        assertArrayEquals(generated(failure), fast(failure));
        ExtensionResponse bare = new ExtensionResponse();
        assertArrayEquals(generated(bare), fast(bare));
    }

    /** Records how a {@link GeneratedRows} reply ended. */
    private static final class RecordedDelivery implements GeneratedRows.Delivery {
        final List<String> outcomes = new ArrayList<>();

        @Override
        public void delivered(int rows) {
            outcomes.add("delivered " + rows);
        }

        @Override
        public void undelivered(Throwable cause) {
            outcomes.add("undelivered");
        }
    }

    private static List<Object[]> tableRows(int count) {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {7L, "/usr/bin/ls", 0L, 0.5});
        rows.add(new Object[] {-1L, "", Long.MIN_VALUE, Double.NaN});
        rows.add(new Object[] {Long.MAX_VALUE, "caf\u00e9 \ud83d\ude00 \\xff", 1_000_000_000_000_000_000L, -2.0E-9});
        rows.add(new Object[] {null, null, 10L, null});
        rows.add(new Object[] {9L, "x".repeat(70_000), 99L, 1.0});
        rows.add(new Object[] {10L, "y".repeat(64 * 1024 - 4), 98L, 1.5}); // just fits the buffer
        rows.add(new Object[] {11L, "\u00e9".repeat(40_000), 97L, 2.0}); // 80,000 bytes of UTF-8
        rows.add(new Object[] {12L, "ascii then \u00e9", 96L, 2.5}); // ASCII stored, then re-encoded
        for (int i = 0; i < count; i++) {
            rows.add(new Object[] {(long) i, "/p/" + i, (long) -i * 1_000_003L, (double) i});
        }
        return rows;
    }

    @Test
    void streamedRowsEncodeExactlyAsTheGeneratedCodeWouldWithAndWithoutColumnsAndReader() throws Exception {
        boolean[][] useds = {null, {true, false, true, false}, {false, false, false, false}};
        for (boolean[] used : useds) {
            for (String reader : new String[] {null, "audit"}) {
                RecordedDelivery delivery = new RecordedDelivery();
                GeneratedRows rows = new GeneratedRows(LAYOUT, SelectedRows.of(tableRows(3000)), used, reader, delivery);
                ExtensionResponse response = new ExtensionResponse(new ExtensionStatus(0, "OK", 42), rows);
                byte[] fast = fast(response);
                assertEquals(List.of("delivered 3008"), delivery.outcomes);
                assertArrayEquals(generated(response), fast); // the generated code reads the rows as RowMaps
                ExtensionResponse back = read(fast);
                assertEquals(3008, back.getResponse().size());
                assertEquals(rows.get(2), back.getResponse().get(2));
            }
        }
        RecordedDelivery delivery = new RecordedDelivery();
        GeneratedRows rows = new GeneratedRows(LAYOUT, SelectedRows.of(tableRows(0)), null, "r", delivery);
        ExtensionResponse back = read(fast(new ExtensionResponse(new ExtensionStatus(0, "OK", 1), rows)));
        assertEquals(Map.of("pid", "7", "path", "/usr/bin/ls", "size", "0", "ratio", "0.5", "vajra_reader", "r"),
                back.getResponse().get(0));
        assertEquals(Map.of("pid", "-1", "path", "", "size", "-9223372036854775808", "vajra_reader", "r"),
                back.getResponse().get(1));
    }

    @Test
    void aRowThatFailsToFormatAbandonsTheReplyAndSaysSo() {
        List<Object[]> good = tableRows(5000);
        SelectedRows failing = new SelectedRows() {
            @Override
            public int size() {
                return good.size();
            }

            @Override
            public Object[] row(int index) {
                if (index == 4000) {
                    throw new IllegalStateException("bug");
                }
                return good.get(index);
            }
        };
        RecordedDelivery delivery = new RecordedDelivery();
        GeneratedRows rows = new GeneratedRows(LAYOUT, failing, null, null, delivery);
        TTransportException e = assertThrows(TTransportException.class,
                () -> fast(new ExtensionResponse(new ExtensionStatus(0, "OK", 1), rows)));
        assertEquals(IllegalStateException.class, e.getCause().getClass());
        assertEquals(List.of("undelivered"), delivery.outcomes);
    }

    @Test
    void anErrorWhileFormattingIsRethrownAsItselfAfterTheRowsAreToldSo() {
        SelectedRows failing = new SelectedRows() {
            @Override
            public int size() {
                return 2;
            }

            @Override
            public Object[] row(int index) {
                throw new OutOfMemoryError("row " + index);
            }
        };
        RecordedDelivery delivery = new RecordedDelivery();
        GeneratedRows rows = new GeneratedRows(LAYOUT, failing, null, null, delivery);
        assertThrows(OutOfMemoryError.class, () -> fast(new ExtensionResponse(new ExtensionStatus(0, "OK", 1), rows)));
        assertEquals(List.of("undelivered"), delivery.outcomes);
    }

    @Test
    void aPeerThatGoesAwayMidReplyLeavesTheRowsUndelivered() throws Exception {
        RecordedDelivery delivery = new RecordedDelivery();
        GeneratedRows rows = new GeneratedRows(LAYOUT, SelectedRows.of(tableRows(5000)), null, null, delivery);
        TIOStreamTransport closing = new TIOStreamTransport(new OutputStream() {
            private int written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                written += len;
                if (written > 100_000) {
                    throw new IOException("broken pipe");
                }
            }
        });
        assertThrows(TTransportException.class, () -> ResponseWriter.writeCallReply(new TBinaryProtocol(closing), 7,
                new ExtensionResponse(new ExtensionStatus(0, "OK", 1), rows)));
        assertEquals(List.of("undelivered"), delivery.outcomes);
    }

    @Test
    void integersAroundEveryPowerOfTenAndTheIntBoundaryAreTheirDecimalText() throws Exception {
        List<Long> values = new ArrayList<>(List.of(0L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1,
                (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, (long) Integer.MIN_VALUE, Integer.MIN_VALUE - 1L));
        for (long power = 1; power > 0 && power <= Long.MAX_VALUE / 10 * 10; power *= 10) {
            for (long v : new long[] {power - 1, power, power + 1, 2 * power - 1, 9 * power}) {
                values.add(v);
                values.add(-v);
            }
            if (power > Long.MAX_VALUE / 10) {
                break;
            }
        }
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            values.add(random.nextLong() >> random.nextInt(64));
        }
        List<Object[]> rows = new ArrayList<>();
        for (long v : values) {
            rows.add(new Object[] {v, null, v, null});
            assertEquals(Long.toString(Math.abs(v == Long.MIN_VALUE ? 0 : v)).length(),
                    ResponseWriter.decimalDigits(Math.abs(v == Long.MIN_VALUE ? 0 : v)), "digits of " + v);
        }
        for (long v : values) {
            long magnitude = v == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(v);
            assertEquals(magnitude / 100, ResponseWriter.dividedBy100(magnitude), "quotient of " + magnitude);
        }
        GeneratedRows generated = new GeneratedRows(LAYOUT, SelectedRows.of(rows), null, null, new RecordedDelivery());
        ExtensionResponse response = new ExtensionResponse(new ExtensionStatus(0, "OK", 1), generated);
        byte[] fast = fast(response);
        assertArrayEquals(generated(response), fast);
        List<Map<String, String>> back = read(fast).getResponse();
        for (int i = 0; i < values.size(); i++) {
            assertEquals(Long.toString(values.get(i)), back.get(i).get("pid"));
        }
    }
}
