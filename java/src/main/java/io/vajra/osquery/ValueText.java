package io.vajra.osquery;

/**
 * A table value as osquery wants it: text. NULL, NaN and infinities have no text (osquery
 * reads a missing key as NULL). Small integers, which most id, flag and count columns
 * hold, come from a cache instead of a new String each.
 */
final class ValueText {
    private static final String[] SMALL = new String[4096];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = Integer.toString(i);
        }
    }

    private ValueText() {}

    static boolean present(Object value) {
        if (value instanceof Double d) {
            return !d.isNaN() && !d.isInfinite();
        }
        return value != null;
    }

    /** The text of a value for which {@link #present} holds. */
    static String of(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Long l) {
            long v = l;
            return v >= 0 && v < SMALL.length ? SMALL[(int) v] : Long.toString(v);
        }
        return value.toString();
    }
}
