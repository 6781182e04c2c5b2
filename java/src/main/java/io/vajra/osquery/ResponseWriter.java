package io.vajra.osquery;

import io.vajra.osquery.thrift.ExtensionResponse;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TList;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * Writes the reply to {@code Extension.call}: the same bytes the generated
 * {@code call_result.write} produces on the binary protocol, but the row list, which is
 * nearly all of a large response, is encoded straight into one buffer: column names
 * pre-encoded once per table ({@link RowLayout}), integers as ASCII digits without a String,
 * and the transport written in 64 KiB chunks rather than twice per string. The rows of a
 * generate ({@link GeneratedRows}) are formatted one at a time as they are encoded, so none of
 * them outlives its own encoding.
 *
 * <p>The envelope (message, structs, status) goes through the protocol as usual; only the list
 * body is hand-encoded, and only for {@link TBinaryProtocol}, the one osquery speaks.
 *
 * <p>Not thread-safe: one per reply.
 */
final class ResponseWriter {
    private static final TStruct CALL_RESULT = new TStruct("call_result");
    private static final TField SUCCESS = new TField("success", TType.STRUCT, (short) 0);
    private static final TStruct RESPONSE = new TStruct("ExtensionResponse");
    private static final TField STATUS = new TField("status", TType.STRUCT, (short) 1);
    private static final TField ROWS = new TField("response", TType.LIST, (short) 2);
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final byte[] LONG_MIN = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);
    /** "00", "01", ... "99": two ASCII digits per entry. */
    private static final byte[] DIGIT_PAIRS = new byte[200];
    /** 10^0 .. 10^18. */
    private static final long[] POWERS_OF_TEN = new long[19];
    /** 0 .. 9999 as binary-protocol strings (i32 length, then the digits), zero-padded to 8 bytes. */
    private static final long[] SMALL_WORDS = new long[10_000];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
        for (int i = 0; i < SMALL_WORDS.length; i++) {
            byte[] digits = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
            byte[] encoded = new byte[4 + digits.length];
            putInt(encoded, 0, digits.length);
            System.arraycopy(digits, 0, encoded, 4, digits.length);
            SMALL_WORDS[i] = words(encoded)[0];
        }
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    private final TTransport transport;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int position;

    private ResponseWriter(TTransport transport) {
        this.transport = transport;
    }

    /**
     * The whole reply message of a call, flushed. Rows of a generate ({@link GeneratedRows}) are
     * formatted as they are written; should that fail part way, the reply cannot be finished
     * (its status and row count are already sent): the rows are told they were not delivered
     * and a {@link TTransportException} says the connection must be dropped.
     */
    static void writeCallReply(TProtocol out, int seqid, ExtensionResponse response) throws TException {
        GeneratedRows generated = response.getResponse() instanceof GeneratedRows g ? g : null;
        try {
            out.writeMessageBegin(new TMessage("call", TMessageType.REPLY, seqid));
            out.writeStructBegin(CALL_RESULT);
            out.writeFieldBegin(SUCCESS);
            writeResponse(out, response);
            out.writeFieldEnd();
            out.writeFieldStop();
            out.writeStructEnd();
            out.writeMessageEnd();
            out.getTransport().flush();
        } catch (TException | RuntimeException | Error e) {
            if (generated == null) {
                throw e;
            }
            generated.undelivered(e);
            if (e instanceof Error error) {
                throw error; // out of memory and the like: not for a transport error to hide
            }
            throw e instanceof TTransportException t ? t
                    : new TTransportException(TTransportException.UNKNOWN, "reply abandoned part way: " + e, e);
        }
        if (generated != null) {
            generated.delivered();
        }
    }

    /** One ExtensionResponse struct, as {@code ExtensionResponse.write} would write it. */
    static void writeResponse(TProtocol out, ExtensionResponse response) throws TException {
        if (!(out instanceof TBinaryProtocol)) {
            response.write(out); // another encoding: the generated code knows it
            return;
        }
        out.writeStructBegin(RESPONSE);
        if (response.getStatus() != null) {
            out.writeFieldBegin(STATUS);
            response.getStatus().write(out);
            out.writeFieldEnd();
        }
        List<Map<String, String>> rows = response.getResponse();
        if (rows != null) {
            out.writeFieldBegin(ROWS);
            out.writeListBegin(new TList(TType.MAP, rows.size()));
            ResponseWriter writer = new ResponseWriter(out.getTransport());
            if (rows instanceof GeneratedRows generated) {
                writer.putRows(generated);
            } else {
                for (Map<String, String> row : rows) {
                    writer.putMap(row);
                }
            }
            writer.flush();
            out.writeListEnd();
            out.writeFieldEnd();
        }
        out.writeFieldStop();
        out.writeStructEnd();
    }

    // ---- the binary protocol's encoding of map<string,string> ----

    /** Each row formatted just before it is encoded; none is kept. */
    private void putRows(GeneratedRows rows) throws TException {
        RowLayout layout = rows.layout();
        boolean[] used = rows.used();
        String reader = rows.reader();
        for (int r = 0; r < rows.size(); r++) {
            putRow(layout, rows.values(r), used, reader);
        }
    }

    /** One row as {@link RowMap} presents it: present columns only, in column order. */
    private void putRow(RowLayout layout, Object[] values, boolean[] used, String reader) throws TException {
        putMapHeader(RowMap.presentCount(layout, values, used, reader));
        for (int i = 0; i < layout.size(); i++) {
            if (RowMap.present(values, used, reader, i)) {
                putName(layout, i);
                putValue(i < values.length ? values[i] : reader);
            }
        }
    }

    /** A column name, a word at a time: the bytes past its end are overwritten by its value. */
    private void putName(RowLayout layout, int i) throws TException {
        long[] words = layout.encodedNameWords(i);
        reserve(8 * words.length);
        int p = position;
        for (long word : words) {
            WORDS.set(buffer, p, word);
            p += 8;
        }
        position += layout.encodedNameBytes(i);
    }

    private void putMap(Map<String, String> map) throws TException {
        putMapHeader(map.size());
        for (Map.Entry<String, String> entry : map.entrySet()) {
            putString(entry.getKey());
            putString(entry.getValue());
        }
    }

    private void putMapHeader(int size) throws TException {
        reserve(6);
        buffer[position++] = TType.STRING; // key type
        buffer[position++] = TType.STRING; // value type
        putInt(buffer, position, size);
        position += 4;
    }

    private void putValue(Object value) throws TException {
        if (value instanceof Long l) {
            putDecimal(l);
        } else {
            putString(ValueText.of(value));
        }
    }

    /** An integer as the string of its decimal digits, without making the String. */
    private void putDecimal(long value) throws TException {
        if (value >= 0 && value < SMALL_WORDS.length) {
            // ids, flags and counts: length and digits fit one word
            reserve(8);
            WORDS.set(buffer, position, SMALL_WORDS[(int) value]);
            position += 4 + (value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : 4);
            return;
        }
        if (value == Long.MIN_VALUE) {
            putEncodedString(LONG_MIN);
            return;
        }
        long magnitude = Math.abs(value);
        int length = decimalDigits(magnitude) + (value < 0 ? 1 : 0);
        reserve(4 + length);
        putInt(buffer, position, length);
        int end = position + 4 + length;
        int p = end;
        // Two digits per division (most values here have 10 to 19 digits), and 32-bit
        // divisions, which are cheaper, once the rest fits in an int.
        while (magnitude > Integer.MAX_VALUE) {
            long quotient = dividedBy100(magnitude);
            int pair = (int) (magnitude - quotient * 100) << 1;
            buffer[--p] = DIGIT_PAIRS[pair + 1];
            buffer[--p] = DIGIT_PAIRS[pair];
            magnitude = quotient;
        }
        int rest = (int) magnitude;
        while (rest >= 100) {
            int quotient = rest / 100;
            int pair = (rest - quotient * 100) << 1;
            buffer[--p] = DIGIT_PAIRS[pair + 1];
            buffer[--p] = DIGIT_PAIRS[pair];
            rest = quotient;
        }
        if (rest >= 10) {
            buffer[--p] = DIGIT_PAIRS[(rest << 1) + 1];
            buffer[--p] = DIGIT_PAIRS[rest << 1];
        } else {
            buffer[--p] = (byte) ('0' + rest);
        }
        if (value < 0) {
            buffer[--p] = '-';
        }
        position = end;
    }

    /**
     * {@code value / 100} for a non-negative long, as a multiply by the fixed-point reciprocal:
     * ((value / 4) * ceil(2^68 / 100)) / 2^66, exact for every such value (C2 emits a real
     * 64-bit division otherwise).
     */
    static long dividedBy100(long value) {
        return Math.multiplyHigh(value >>> 2, 0x28F5C28F5C28F5C3L) >>> 2;
    }

    /** How many decimal digits a non-negative value has: log10 from its bit length, then one compare. */
    static int decimalDigits(long magnitude) {
        if (magnitude < 10) {
            return 1;
        }
        int bits = 64 - Long.numberOfLeadingZeros(magnitude);
        int guess = (bits * 1233) >>> 12; // 1233 / 4096 ~ log10(2)
        return guess + (magnitude >= POWERS_OF_TEN[guess] ? 1 : 0);
    }

    /** ASCII, which nearly every value is, is stored as it is read: no byte[] per value. */
    private void putString(String text) throws TException {
        if (text == null) {
            text = "";
        }
        int length = text.length();
        if (length > buffer.length - 4) {
            putEncodedString(text.getBytes(StandardCharsets.UTF_8));
            return;
        }
        reserve(4 + length);
        int p = position + 4;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                putEncodedString(text.getBytes(StandardCharsets.UTF_8));
                return;
            }
            buffer[p++] = (byte) c;
        }
        putInt(buffer, position, length);
        position = p;
    }

    private void putEncodedString(byte[] utf8) throws TException {
        reserve(4);
        putInt(buffer, position, utf8.length);
        position += 4;
        putBytes(utf8);
    }

    private void putBytes(byte[] bytes) throws TException {
        if (bytes.length > buffer.length) {
            flush();
            transport.write(bytes, 0, bytes.length);
            return;
        }
        reserve(bytes.length);
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
    }

    private void reserve(int bytes) throws TException {
        if (position + bytes > buffer.length) {
            flush();
        }
    }

    private void flush() throws TException {
        if (position > 0) {
            transport.write(buffer, 0, position);
            position = 0;
        }
    }

    /** Bytes as the native-order words {@link #WORDS} stores, the last one zero-padded. */
    static long[] words(byte[] bytes) {
        byte[] padded = Arrays.copyOf(bytes, (bytes.length + 7) & ~7);
        long[] out = new long[padded.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) WORDS.get(padded, 8 * i);
        }
        return out;
    }

    /** Big-endian, as the binary protocol writes an i32. */
    static void putInt(byte[] into, int at, int value) {
        into[at] = (byte) (value >>> 24);
        into[at + 1] = (byte) (value >>> 16);
        into[at + 2] = (byte) (value >>> 8);
        into[at + 3] = (byte) value;
    }
}
