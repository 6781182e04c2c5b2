package io.vajra.fim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PathBytesTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Levels as text, for readable assertions (ASCII only). */
    private static List<String> texts(List<byte[]> levels) {
        return levels.stream().map(l -> new String(l, StandardCharsets.ISO_8859_1)).toList();
    }

    private static String absolute(String... levels) {
        List<byte[]> list = java.util.Arrays.stream(levels).map(PathBytesTest::bytes).toList();
        return new String(PathBytes.absolute(list), StandardCharsets.UTF_8);
    }

    @Test
    void levelsAreTheNonEmptyNamesBetweenSlashes() {
        assertEquals(List.of("etc", "ssh", "sshd_config"), texts(PathBytes.levels(bytes("/etc/ssh/sshd_config"))));
        assertEquals(List.of("a", "b"), texts(PathBytes.levels(bytes("//a///b/"))));
        assertEquals(List.of("a", "b"), texts(PathBytes.levels(bytes("a/b"))), "relative: the same levels");
        assertEquals(List.of(".", "..", "x"), texts(PathBytes.levels(bytes("./../x"))), "kept as given");
        assertEquals(List.of(), texts(PathBytes.levels(bytes("/"))));
        assertEquals(List.of(), texts(PathBytes.levels(new byte[0])));
        assertEquals(List.of("srv", "my files"), texts(PathBytes.levels("/srv/my files")));
    }

    @Test
    void anAbsolutePathStartsWithASlash() {
        assertTrue(PathBytes.isAbsolute(bytes("/etc")));
        assertTrue(PathBytes.isAbsolute(bytes("/")));
        assertFalse(PathBytes.isAbsolute(bytes("etc/passwd")));
        assertFalse(PathBytes.isAbsolute(bytes("./x")));
        assertFalse(PathBytes.isAbsolute(new byte[0]));
    }

    @Test
    void absoluteJoinsTheLevelsUnderTheRoot() {
        assertEquals("/etc/passwd", absolute("etc", "passwd"));
        assertEquals("/", absolute());
    }

    @Test
    void dotLevelsAreDroppedAndDotDotTakesThePreviousLevel() {
        assertEquals("/a/c", absolute("a", ".", "b", "..", "c"));
        assertEquals("/etc/passwd", absolute("etc", "ssh", "..", "passwd"));
        assertEquals("/", absolute("a", ".."));
        assertEquals("/", absolute(".", "."));
        assertEquals("/a/...", absolute("a", "..."), "three dots is a name");
        assertEquals("/a/.hidden/..x", absolute("a", ".hidden", "..x"));
    }

    @Test
    void dotDotNeverClimbsAboveTheRoot() {
        assertEquals("/x", absolute("..", "..", "x"));
        assertEquals("/etc", absolute("a", "..", "..", "..", "etc"));
    }

    @Test
    void lastKeepsTheDeepestLevels() {
        List<byte[]> levels = PathBytes.levels(bytes("/srv/data/app/x.conf"));
        assertEquals(List.of("app", "x.conf"), texts(PathBytes.last(levels, 2)));
        assertEquals(List.of(), texts(PathBytes.last(levels, 0)));
        assertEquals(List.of("srv", "data", "app", "x.conf"), texts(PathBytes.last(levels, 9)), "fewer: all");
    }

    @Test
    void concatKeepsBothInOrder() {
        List<byte[]> joined = PathBytes.concat(PathBytes.levels("/srv/data"), PathBytes.levels(bytes("app/x")));
        assertEquals(List.of("srv", "data", "app", "x"), texts(joined));
    }

    @Test
    void invalidUtf8BytesAndNewlinesSurviveUnchanged() {
        // "/tmp/caf" 0xc3 (a cut UTF-8 sequence) "/" 0xff 0xfe "/a\nb" "/\t"
        byte[] path = {'/', 't', 'm', 'p', '/', 'c', 'a', 'f', (byte) 0xc3, '/', (byte) 0xff, (byte) 0xfe,
            '/', 'a', '\n', 'b', '/', '\t'};
        List<byte[]> levels = PathBytes.levels(path);
        assertEquals(5, levels.size());
        assertArrayEquals(new byte[] {'c', 'a', 'f', (byte) 0xc3}, levels.get(1));
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe}, levels.get(2));
        assertArrayEquals(new byte[] {'a', '\n', 'b'}, levels.get(3));
        assertArrayEquals(new byte[] {'\t'}, levels.get(4));
        assertArrayEquals(path, PathBytes.absolute(levels), "split and joined: the very same bytes");
    }

    @Test
    void textForMatchingDecodesUtf8() {
        assertEquals("/home/Zoë/日本", PathBytes.text(bytes("/home/Zoë/日本")));
        assertEquals("/a\nb", PathBytes.text(bytes("/a\nb")));
        // An invalid byte cannot be written in a pattern; for matching it reads as U+FFFD.
        assertEquals("/tmp/\uFFFD", PathBytes.text(new byte[] {'/', 't', 'm', 'p', '/', (byte) 0xff}));
    }
}
