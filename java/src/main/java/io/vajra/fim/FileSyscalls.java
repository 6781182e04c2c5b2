package io.vajra.fim;

import io.vajra.bpf.FileRecordLayout;
import java.util.Map;
import java.util.StringJoiner;

/** Names of the syscalls the file probes follow (x86_64 numbers) and of their flags. */
public final class FileSyscalls {
    private FileSyscalls() {}

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "write"), Map.entry(18, "pwrite64"), Map.entry(20, "writev"), Map.entry(296, "pwritev"),
            Map.entry(328, "pwritev2"),
            Map.entry(2, "open"), Map.entry(3, "close"), Map.entry(33, "dup2"), Map.entry(76, "truncate"),
            Map.entry(77, "ftruncate"), Map.entry(82, "rename"), Map.entry(83, "mkdir"), Map.entry(84, "rmdir"),
            Map.entry(85, "creat"), Map.entry(86, "link"), Map.entry(87, "unlink"), Map.entry(88, "symlink"),
            Map.entry(90, "chmod"), Map.entry(91, "fchmod"), Map.entry(92, "chown"), Map.entry(93, "fchown"),
            Map.entry(94, "lchown"), Map.entry(132, "utime"), Map.entry(188, "setxattr"),
            Map.entry(189, "lsetxattr"), Map.entry(190, "fsetxattr"), Map.entry(197, "removexattr"),
            Map.entry(198, "lremovexattr"), Map.entry(199, "fremovexattr"), Map.entry(235, "utimes"),
            Map.entry(257, "openat"), Map.entry(258, "mkdirat"), Map.entry(260, "fchownat"),
            Map.entry(261, "futimesat"), Map.entry(263, "unlinkat"), Map.entry(264, "renameat"),
            Map.entry(265, "linkat"), Map.entry(266, "symlinkat"), Map.entry(268, "fchmodat"),
            Map.entry(280, "utimensat"), Map.entry(292, "dup3"), Map.entry(316, "renameat2"),
            Map.entry(437, "openat2"), Map.entry(452, "fchmodat2"), Map.entry(463, "setxattrat"),
            Map.entry(466, "removexattrat"), Map.entry(FileRecordLayout.SYSCALL_BY_EXIT, "exit"));

    private static final int OPEN = 2;
    private static final int CREAT = 85;
    private static final int OPENAT = 257;
    private static final int OPENAT2 = 437;
    private static final int CLOSE = 3;
    private static final int DUP2 = 33;
    private static final int DUP3 = 292;
    private static final int UNLINKAT = 263;
    private static final int RENAMEAT2 = 316;

    private static final int[] OPEN_FLAG_BITS = {
        0100, 0200, 0400, 01000, 02000, 04000, 040000, 0100000, 0200000, 0400000, 01000000, 02000000,
        010000000, 020000, 04000000,
    };
    private static final String[] OPEN_FLAG_NAMES = {
        "O_CREAT", "O_EXCL", "O_NOCTTY", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DIRECT", "O_LARGEFILE",
        "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME", "O_CLOEXEC", "O_PATH", "O_ASYNC", "__O_SYNC",
    };
    private static final int O_DSYNC = 010000;
    private static final int O_SYNC = 04010000;
    private static final int O_TMPFILE = 020200000;

    private static final int[] AT_FLAG_BITS = {0x100, 0x200, 0x400, 0x800, 0x1000};
    private static final String[] AT_FLAG_NAMES = {
        "AT_SYMLINK_NOFOLLOW", "AT_REMOVEDIR", "AT_SYMLINK_FOLLOW", "AT_NO_AUTOMOUNT", "AT_EMPTY_PATH",
    };
    private static final int[] RENAME_FLAG_BITS = {1, 2, 4};
    private static final String[] RENAME_FLAG_NAMES = {"RENAME_NOREPLACE", "RENAME_EXCHANGE", "RENAME_WHITEOUT"};

    /** The syscall's name, or "syscall_N" for one this table does not know. */
    public static String name(int nr) {
        return NAMES.getOrDefault(nr, "syscall_" + nr);
    }

    /**
     * The flags as text: O_* for opens (and for closes, which report how the file was
     * opened), AT_* or RENAME_* for *at calls, "" when there are none.
     */
    public static String flagsText(int nr, int flags) {
        if (nr == OPEN || nr == OPENAT || nr == OPENAT2 || nr == CREAT || nr == CLOSE || nr == DUP2 || nr == DUP3
                || nr == FileRecordLayout.SYSCALL_BY_EXIT) {
            return openFlags(flags);
        }
        if (nr == RENAMEAT2) {
            return bits(flags, RENAME_FLAG_BITS, RENAME_FLAG_NAMES);
        }
        return bits(flags, AT_FLAG_BITS, AT_FLAG_NAMES);
    }

    /** O_RDONLY/O_WRONLY/O_RDWR, then the other flags in a fixed order. */
    static String openFlags(int flags) {
        StringJoiner out = new StringJoiner("|");
        int mode = flags & 3;
        out.add(mode == 0 ? "O_RDONLY" : mode == 1 ? "O_WRONLY" : mode == 2 ? "O_RDWR" : "O_ACCMODE");
        int rest = flags & ~3;
        if ((rest & O_TMPFILE) == O_TMPFILE) {
            out.add("O_TMPFILE");
            rest &= ~O_TMPFILE;
        }
        if ((rest & O_SYNC) == O_SYNC) {
            out.add("O_SYNC");
            rest &= ~O_SYNC;
        }
        if ((rest & O_DSYNC) != 0) {
            out.add("O_DSYNC");
            rest &= ~O_DSYNC;
        }
        for (int i = 0; i < OPEN_FLAG_BITS.length; i++) {
            if ((rest & OPEN_FLAG_BITS[i]) != 0) {
                out.add(OPEN_FLAG_NAMES[i]);
                rest &= ~OPEN_FLAG_BITS[i];
            }
        }
        if (rest != 0) {
            out.add("0" + Integer.toOctalString(rest));
        }
        return out.toString();
    }

    private static String bits(int flags, int[] bits, String[] names) {
        StringJoiner out = new StringJoiner("|");
        int rest = flags;
        for (int i = 0; i < bits.length; i++) {
            if ((rest & bits[i]) != 0) {
                out.add(names[i]);
                rest &= ~bits[i];
            }
        }
        if (rest != 0) {
            out.add("0x" + Integer.toHexString(rest));
        }
        return out.toString();
    }
}
