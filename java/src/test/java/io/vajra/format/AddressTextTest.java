package io.vajra.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AddressTextTest {
    /** 16 bytes from eight groups written in hex, "2001 db8 0 0 0 0 0 1". */
    private static byte[] groups(String hexGroups) {
        String[] parts = hexGroups.trim().split("\\s+");
        assertEquals(8, parts.length, hexGroups);
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            int g = Integer.parseInt(parts[i], 16);
            out[2 * i] = (byte) (g >>> 8);
            out[2 * i + 1] = (byte) g;
        }
        return out;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // The unspecified and loopback addresses, and runs at either end.
        "0 0 0 0 0 0 0 0             | ::",
        "0 0 0 0 0 0 0 1             | ::1",
        "1 0 0 0 0 0 0 0             | 1::",
        "1 2 3 4 5 6 0 0             | 1:2:3:4:5:6::",
        "0 0 1 2 3 4 5 6             | ::1:2:3:4:5:6",
        // 4.1: no leading zeros; 4.3: lower case.
        "2001 0db8 0001 0010 0100 1000 abcd ef00 | 2001:db8:1:10:100:1000:abcd:ef00",
        "2001 DB8 0 0 0 0 0 ABCD     | 2001:db8::abcd",
        // 4.2.1: the longest run is the one replaced.
        "2001 0 0 1 0 0 0 1          | 2001:0:0:1::1",
        "0 0 1 0 0 0 0 1             | 0:0:1::1",
        "0 0 1 0 0 0 0 0             | 0:0:1::",
        // 4.2.2: a single zero group is not replaced.
        "2001 db8 0 1 1 1 1 1        | 2001:db8:0:1:1:1:1:1",
        "0 1 2 3 4 5 6 7             | 0:1:2:3:4:5:6:7",
        "1 2 3 4 5 6 7 0             | 1:2:3:4:5:6:7:0",
        "1 0 2 0 3 0 4 0             | 1:0:2:0:3:0:4:0",
        // 4.2.3: on a tie, the first run.
        "2001 db8 0 0 1 0 0 1        | 2001:db8::1:0:0:1",
        "1 0 0 2 0 0 3 4             | 1::2:0:0:3:4",
        "0 0 1 2 3 4 0 0             | ::1:2:3:4:0:0",
        // Nothing to compress.
        "1 2 3 4 5 6 7 8             | 1:2:3:4:5:6:7:8",
        "ffff ffff ffff ffff ffff ffff ffff ffff | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        // Everyday addresses.
        "fe80 0 0 0 0 0 0 1          | fe80::1",
        "fe80 0 0 0 211 22ff fe33 4455 | fe80::211:22ff:fe33:4455",
        "ff02 0 0 0 0 1 ff00 1       | ff02::1:ff00:1",
        "2001 db8 0 0 0 0 2 1        | 2001:db8::2:1",
        // Section 5: IPv4-mapped addresses end in a dotted quad.
        "0 0 0 0 0 ffff 7f00 1       | ::ffff:127.0.0.1",
        "0 0 0 0 0 ffff c000 0201    | ::ffff:192.0.2.1",
        "0 0 0 0 0 ffff 0 0          | ::ffff:0.0.0.0",
        "0 0 0 0 0 ffff ffff ffff    | ::ffff:255.255.255.255",
        // Other embeddings stay hex: only the mapped prefix is known to hold IPv4.
        "0 0 0 0 0 0 7f00 1          | ::7f00:1",
        "0 0 0 0 ffff 0 7f00 1       | ::ffff:0:7f00:1",
        "64 ff9b 0 0 0 0 c000 221    | 64:ff9b::c000:221",
        "0 0 0 0 1 ffff 7f00 1       | ::1:ffff:7f00:1",
        "ffff 0 0 0 0 0 0 0          | ffff::",
    })
    void ipv6FollowsRfc5952(String hexGroups, String expected) {
        assertEquals(expected, AddressText.ipv6(groups(hexGroups)));
    }

    @Test
    void ipv6NeedsSixteenBytes() {
        assertThrows(IllegalArgumentException.class, () -> AddressText.ipv6(new byte[4]));
    }

    /**
     * Random addresses, rich in zero groups: the text parses back to the same address, and
     * satisfies each rule of RFC 5952 section 4 checked independently of the formatter.
     */
    @Test
    void randomAddressesRoundTripAndAreCanonical() throws Exception {
        Random random = new Random(5952);
        for (int n = 0; n < 20_000; n++) {
            int[] g = new int[8];
            byte[] address = new byte[16];
            for (int i = 0; i < 8; i++) {
                int kind = random.nextInt(4);
                g[i] = kind < 2 ? 0 : kind == 2 ? random.nextInt(16) : random.nextInt(0x10000);
                address[2 * i] = (byte) (g[i] >>> 8);
                address[2 * i + 1] = (byte) g[i];
            }
            String text = AddressText.ipv6(address);
            String where = text + " from " + java.util.Arrays.toString(g);
            assertArrayEquals(address, toSixteen(InetAddress.getByName(text).getAddress()), where);
            assertEquals(text.toLowerCase(), text, where);
            boolean mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
            if (mapped) {
                assertTrue(text.startsWith("::ffff:") && text.chars().filter(c -> c == '.').count() == 3, where);
                continue;
            }
            // No leading zeros.
            for (String group : text.split(":")) {
                assertFalse(group.length() > 1 && group.startsWith("0"), where);
            }
            // The longest run of two or more zero groups, the first one of that length, is "::".
            int bestStart = -1;
            int bestLength = 1;
            for (int i = 0; i < 8; i++) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLength) {
                    bestStart = i;
                    bestLength = j - i;
                }
            }
            if (bestStart < 0) {
                assertFalse(text.contains("::"), where);
                assertEquals(8, text.split(":").length, where);
            } else {
                assertEquals(text.indexOf("::"), text.lastIndexOf("::"), where);
                String before = text.substring(0, text.indexOf("::"));
                assertEquals(bestStart, before.isEmpty() ? 0 : before.split(":").length, where);
            }
        }
    }

    /** InetAddress turns an IPv4-mapped address into an Inet4Address of 4 bytes. */
    private static byte[] toSixteen(byte[] parsed) {
        if (parsed.length == 16) {
            return parsed;
        }
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(parsed, 0, out, 12, 4);
        return out;
    }

    @Test
    void ipv4IsDottedDecimalOfUnsignedBytes() {
        assertEquals("127.0.0.1", AddressText.ipv4(new byte[] {127, 0, 0, 1}, 0));
        assertEquals("255.254.0.10", AddressText.ipv4(new byte[] {(byte) 255, (byte) 254, 0, 10}, 0));
        assertEquals("0.0.0.0", AddressText.ipv4(new byte[16], 0));
        assertEquals("192.0.2.1", AddressText.ipv4(new byte[] {9, 9, (byte) 192, 0, 2, 1}, 2));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void unixPathsAndAbstractNames() {
        assertEquals("/run/app.sock", AddressText.unix(utf8("/run/app.sock"), false));
        assertEquals("/run/app.sock", AddressText.unix(utf8("/run/app.sock\0\0\0"), false), "a path ends at its NUL");
        assertEquals("", AddressText.unix(new byte[0], false));
        assertEquals("@my-name", AddressText.unix(utf8("my-name"), true));
        assertEquals("@a@b@@", AddressText.unix(utf8("a\0b\0\0"), true), "NULs in an abstract name show as @");
        assertEquals("@", AddressText.unix(new byte[0], true));
        assertEquals("/tmp/caf\u00e9 \\xff", AddressText.unix(new byte[] {'/', 't', 'm', 'p', '/', 'c', 'a', 'f',
                (byte) 0xc3, (byte) 0xa9, ' ', (byte) 0xff}, false), "UTF-8 passes, other bytes are escaped");
        assertEquals("@\\xfe\u00e9", AddressText.unix(new byte[] {(byte) 0xfe, (byte) 0xc3, (byte) 0xa9}, true));
    }
}
