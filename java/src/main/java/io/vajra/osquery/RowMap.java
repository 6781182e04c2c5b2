package io.vajra.osquery;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * One row of a generate response: column name -> value text, NULLs absent. A view over the
 * table's row array: nothing is hashed and no text exists until the row is written.
 * {@link ResponseWriter} encodes a generate's rows straight from their values, with the same
 * {@link #present} rule; as a {@link Map} (for tests, or a protocol other than binary) values
 * become text on demand.
 *
 * <p>Immutable (the row array is owned once the table hands it over).
 */
final class RowMap extends AbstractMap<String, String> {
    private final RowLayout layout;
    private final Object[] row;
    private final boolean[] used;
    private final String reader;
    private final int size;

    /**
     * @param layout the table's column names, then {@code vajra_reader} for event tables
     * @param row    the table's values, aligned with its columns
     * @param used   the columns the query reads, or null for all
     * @param reader the {@code vajra_reader} value, or null
     */
    RowMap(RowLayout layout, Object[] row, boolean[] used, String reader) {
        this.layout = layout;
        this.row = row;
        this.used = used;
        this.reader = reader;
        this.size = presentCount(layout, row, used, reader);
    }

    /** Whether column i has a value to send (read, and not NULL). */
    boolean present(int i) {
        return present(row, used, reader, i);
    }

    /**
     * Whether column i of a row has a value to send: the query reads it and it is not NULL;
     * past the table's columns, the {@code vajra_reader} value when there is one.
     */
    static boolean present(Object[] row, boolean[] used, String reader, int i) {
        if (i >= row.length) {
            return reader != null;
        }
        return (used == null || used[i]) && ValueText.present(row[i]);
    }

    /** How many columns of a row {@link #present} counts: the size of its map. */
    static int presentCount(RowLayout layout, Object[] row, boolean[] used, String reader) {
        int n = 0;
        for (int i = 0; i < layout.size(); i++) {
            if (present(row, used, reader, i)) {
                n++;
            }
        }
        return n;
    }

    /** The value of column i as the table gave it: String, Long or Double. */
    Object value(int i) {
        return i >= row.length ? reader : row[i];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String get(Object key) {
        for (int i = 0; i < layout.size(); i++) {
            if (layout.name(i).equals(key)) {
                return present(i) ? ValueText.of(value(i)) : null;
            }
        }
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Map.Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next = advance(0);

                    @Override
                    public boolean hasNext() {
                        return next < layout.size();
                    }

                    @Override
                    public Map.Entry<String, String> next() {
                        if (next >= layout.size()) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<String, String> entry =
                                new SimpleImmutableEntry<>(layout.name(next), ValueText.of(value(next)));
                        next = advance(next + 1);
                        return entry;
                    }
                };
            }
        };
    }

    private int advance(int from) {
        int i = from;
        while (i < layout.size() && !present(i)) {
            i++;
        }
        return i;
    }
}
