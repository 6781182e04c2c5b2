package io.vajra.format;

/**
 * Socket addresses as text: IPv4 dotted quads, IPv6 in RFC 5952's canonical form, UNIX
 * socket names.
 */
public final class AddressText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private AddressText() {}

    /** {@code a.b.c.d} from the four network-order bytes at {@code offset}. */
    public static String ipv4(byte[] address, int offset) {
        return (address[offset] & 0xff) + "." + (address[offset + 1] & 0xff) + "."
                + (address[offset + 2] & 0xff) + "." + (address[offset + 3] & 0xff);
    }

    /**
     * The 16 network-order bytes of an IPv6 address in RFC 5952's form (section 4): hex digits
     * in lower case without leading zeros; the longest run of two or more all-zero groups
     * replaced by {@code ::} (the first such run when two are equally long; a single zero
     * group is never replaced); an IPv4-mapped address ({@code ::ffff:0:0/96}, section 5) ends
     * in its dotted quad, {@code ::ffff:192.0.2.1}. Other addresses that embed IPv4
     * (the deprecated IPv4-compatible form, NAT64 prefixes) stay in hex: only the mapped
     * prefix says for sure that the last 32 bits are an IPv4 address.
     */
    public static String ipv6(byte[] address) {
        if (address.length != 16) {
            throw new IllegalArgumentException("an IPv6 address has 16 bytes, not " + address.length);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xff) << 8 | (address[2 * i + 1] & 0xff);
        }
        if (isIpv4Mapped(groups)) {
            return "::ffff:" + ipv4(address, 12);
        }
        // The longest run of zero groups, the first one on a tie; shorter than two is no run.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            appendHex(out, groups[i]);
        }
        return out.toString();
    }

    /**
     * A UNIX socket's name: a path as it was given (up to its first NUL), or, for an abstract
     * name (whose leading NUL the kernel side already dropped), {@code @} and the name with
     * every NUL in it shown as {@code @} too, as {@code ss} and /proc/net/unix show them.
     * Bytes that are not UTF-8 are escaped as {@link RawText} does.
     */
    public static String unix(byte[] name, boolean abstractName) {
        if (!abstractName) {
            return RawText.decodeUntilNul(name);
        }
        byte[] shown = new byte[name.length + 1];
        shown[0] = '@';
        for (int i = 0; i < name.length; i++) {
            shown[i + 1] = name[i] == 0 ? (byte) '@' : name[i];
        }
        return RawText.decode(shown);
    }

    private static boolean isIpv4Mapped(int[] groups) {
        for (int i = 0; i < 5; i++) {
            if (groups[i] != 0) {
                return false;
            }
        }
        return groups[5] == 0xffff;
    }

    private static void appendHex(StringBuilder out, int group) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = (group >>> shift) & 0xf;
            if (digit != 0 || started || shift == 0) {
                out.append(HEX[digit]);
                started = true;
            }
        }
    }
}
