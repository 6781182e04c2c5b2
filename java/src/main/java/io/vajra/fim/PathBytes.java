package io.vajra.fim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Paths as the kernel gives them: bytes, any but NUL, not necessarily UTF-8. Split, joined
 * and normalized lexically here ({@code .} dropped, {@code ..} takes the previous level,
 * never above {@code /}), without touching the file system.
 */
final class PathBytes {
    private static final byte SLASH = '/';

    private PathBytes() {}

    /** The non-empty levels of a path, in order. */
    static List<byte[]> levels(byte[] path) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == SLASH) {
                if (i > start) {
                    byte[] level = new byte[i - start];
                    System.arraycopy(path, start, level, 0, level.length);
                    out.add(level);
                }
                start = i + 1;
            }
        }
        return out;
    }

    static List<byte[]> levels(String path) {
        return levels(path.getBytes(StandardCharsets.UTF_8));
    }

    static boolean isAbsolute(byte[] path) {
        return path.length > 0 && path[0] == SLASH;
    }

    /** "/" + levels joined, with "." and ".." resolved lexically. */
    static byte[] absolute(List<byte[]> levels) {
        List<byte[]> kept = new ArrayList<>();
        for (byte[] level : levels) {
            if (level.length == 1 && level[0] == '.') {
                continue;
            }
            if (level.length == 2 && level[0] == '.' && level[1] == '.') {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                continue;
            }
            kept.add(level);
        }
        if (kept.isEmpty()) {
            return new byte[] {SLASH};
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] level : kept) {
            out.write(SLASH);
            out.writeBytes(level);
        }
        return out.toByteArray();
    }

    /** Whether {@code ..} levels climb above the start (more of them than names before). */
    static boolean climbsAbove(List<byte[]> levels) {
        int depth = 0;
        for (byte[] level : levels) {
            if (level.length == 2 && level[0] == '.' && level[1] == '.') {
                if (--depth < 0) {
                    return true;
                }
            } else if (!(level.length == 1 && level[0] == '.')) {
                depth++;
            }
        }
        return false;
    }

    /** The last {@code n} levels (all of them when there are fewer). */
    static List<byte[]> last(List<byte[]> levels, int n) {
        return levels.subList(Math.max(0, levels.size() - n), levels.size());
    }

    static List<byte[]> concat(List<byte[]> a, List<byte[]> b) {
        List<byte[]> out = new ArrayList<>(a.size() + b.size());
        out.addAll(a);
        out.addAll(b);
        return out;
    }

    /** For matching against configured patterns (which are Unicode text). */
    static String text(byte[] path) {
        return new String(path, StandardCharsets.UTF_8);
    }
}
