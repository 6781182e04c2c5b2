package io.vajra.osquery;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The key side of a table's rows: column names in order (then {@code vajra_reader} for event
 * tables), each also pre-encoded as a Thrift binary-protocol string (i32 length + UTF-8), since
 * every row repeats them and they are half the bytes of a response. The encoded names are also
 * kept as 8-byte words, zero-padded, which {@link ResponseWriter} stores a word at a time: a
 * name is a dozen bytes, too short for a copy routine to pay for its call.
 */
final class RowLayout {
    private final String[] names;
    private final byte[][] encodedNames;
    private final long[][] encodedNameWords;

    RowLayout(String[] names) {
        this.names = names.clone();
        this.encodedNames = new byte[names.length][];
        this.encodedNameWords = new long[names.length][];
        for (int i = 0; i < names.length; i++) {
            byte[] utf8 = names[i].getBytes(StandardCharsets.UTF_8);
            byte[] encoded = new byte[4 + utf8.length];
            ResponseWriter.putInt(encoded, 0, utf8.length);
            System.arraycopy(utf8, 0, encoded, 4, utf8.length);
            encodedNames[i] = encoded;
            encodedNameWords[i] = words(encoded);
        }
    }

    int size() {
        return names.length;
    }

    String name(int i) {
        return names[i];
    }

    byte[] encodedName(int i) {
        return encodedNames[i];
    }

    /** {@link #encodedName} in native-order words, the last one zero-padded. */
    long[] encodedNameWords(int i) {
        return encodedNameWords[i];
    }

    private static long[] words(byte[] bytes) {
        ByteBuffer padded = ByteBuffer.allocate((bytes.length + 7) & ~7).order(ByteOrder.nativeOrder());
        padded.put(bytes).rewind();
        long[] out = new long[padded.capacity() / 8];
        padded.asLongBuffer().get(out);
        return out;
    }
}
