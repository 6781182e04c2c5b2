package io.vajra.osquery;

import java.nio.charset.StandardCharsets;

/**
 * The key side of a table's rows: column names in order (then {@code vajra_reader} for event
 * tables), each also pre-encoded as a Thrift binary-protocol string (i32 length + UTF-8), since
 * every row repeats them and they are half the bytes of a response. The encodings are kept as
 * 8-byte words, zero-padded, which {@link ResponseWriter} stores a word at a time: a name is a
 * dozen bytes, too short for a copy routine to pay for its call.
 */
final class RowLayout {
    private final String[] names;
    private final long[][] encodedNameWords;
    private final int[] encodedNameBytes;

    RowLayout(String[] names) {
        this.names = names.clone();
        this.encodedNameWords = new long[names.length][];
        this.encodedNameBytes = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            byte[] utf8 = names[i].getBytes(StandardCharsets.UTF_8);
            byte[] encoded = new byte[4 + utf8.length];
            ResponseWriter.putInt(encoded, 0, utf8.length);
            System.arraycopy(utf8, 0, encoded, 4, utf8.length);
            encodedNameWords[i] = ResponseWriter.words(encoded);
            encodedNameBytes[i] = encoded.length;
        }
    }

    int size() {
        return names.length;
    }

    String name(int i) {
        return names[i];
    }

    /** Column i's name as a binary-protocol string, in native-order words, the last one zero-padded. */
    long[] encodedNameWords(int i) {
        return encodedNameWords[i];
    }

    /** How many bytes of {@link #encodedNameWords} are the encoding. */
    int encodedNameBytes(int i) {
        return encodedNameBytes[i];
    }
}
