package io.vajra.osquery;

import java.nio.charset.StandardCharsets;

/**
 * The key side of a table's rows: column names in order (then {@code vajra_reader} for event
 * tables), each also pre-encoded as a Thrift binary-protocol string (i32 length + UTF-8), since
 * every row repeats them and they are half the bytes of a response.
 */
final class RowLayout {
    private final String[] names;
    private final byte[][] encodedNames;

    RowLayout(String[] names) {
        this.names = names.clone();
        this.encodedNames = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            byte[] utf8 = names[i].getBytes(StandardCharsets.UTF_8);
            byte[] encoded = new byte[4 + utf8.length];
            ResponseWriter.putInt(encoded, 0, utf8.length);
            System.arraycopy(utf8, 0, encoded, 4, utf8.length);
            encodedNames[i] = encoded;
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
}
