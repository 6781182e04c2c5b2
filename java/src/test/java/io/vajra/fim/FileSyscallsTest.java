package io.vajra.fim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vajra.bpf.FileRecordLayout;
import org.junit.jupiter.api.Test;

class FileSyscallsTest {
    // x86_64 syscall numbers
    private static final int OPEN = 2;
    private static final int CLOSE = 3;
    private static final int DUP2 = 33;
    private static final int CREAT = 85;
    private static final int UNLINK = 87;
    private static final int OPENAT = 257;
    private static final int UNLINKAT = 263;
    private static final int RENAMEAT = 264;
    private static final int LINKAT = 265;
    private static final int FCHMODAT = 268;
    private static final int UTIMENSAT = 280;
    private static final int DUP3 = 292;
    private static final int RENAMEAT2 = 316;
    private static final int OPENAT2 = 437;
    private static final int EXIT = FileRecordLayout.SYSCALL_BY_EXIT;

    // <fcntl.h> on x86_64, octal
    private static final int O_WRONLY = 01;
    private static final int O_RDWR = 02;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_TRUNC = 01000;
    private static final int O_APPEND = 02000;
    private static final int O_NONBLOCK = 04000;
    private static final int O_DSYNC = 010000;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_SYNC = 04010000;
    private static final int O_TMPFILE = 020200000;

    @Test
    void namesTheSyscallsTheProbesFollow() {
        assertEquals("open", FileSyscalls.name(OPEN));
        assertEquals("openat", FileSyscalls.name(OPENAT));
        assertEquals("openat2", FileSyscalls.name(OPENAT2));
        assertEquals("creat", FileSyscalls.name(CREAT));
        assertEquals("close", FileSyscalls.name(CLOSE));
        assertEquals("dup2", FileSyscalls.name(DUP2));
        assertEquals("dup3", FileSyscalls.name(DUP3));
        assertEquals("unlinkat", FileSyscalls.name(UNLINKAT));
        assertEquals("renameat2", FileSyscalls.name(RENAMEAT2));
        assertEquals("fchmodat", FileSyscalls.name(FCHMODAT));
        assertEquals("fchmodat2", FileSyscalls.name(452));
        assertEquals("setxattrat", FileSyscalls.name(463));
        assertEquals("removexattrat", FileSyscalls.name(466));
        assertEquals("utimensat", FileSyscalls.name(UTIMENSAT));
    }

    @Test
    void aCloseByTheProcessExitingIsNamedExit() {
        assertEquals("exit", FileSyscalls.name(EXIT));
    }

    @Test
    void anUnknownSyscallKeepsItsNumber() {
        assertEquals("syscall_0", FileSyscalls.name(0), "read is not followed");
        assertEquals("syscall_999", FileSyscalls.name(999));
    }

    @Test
    void openFlagsStartWithTheAccessMode() {
        assertEquals("O_RDONLY", FileSyscalls.flagsText(OPENAT, 0));
        assertEquals("O_WRONLY", FileSyscalls.flagsText(OPENAT, O_WRONLY));
        assertEquals("O_RDWR", FileSyscalls.flagsText(OPENAT, O_RDWR));
        assertEquals("O_ACCMODE", FileSyscalls.flagsText(OPENAT, 3), "both access bits: not a valid mode");
    }

    @Test
    void openFlagsListTheOtherBitsInAFixedOrder() {
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", FileSyscalls.flagsText(OPENAT, O_WRONLY | O_CREAT | O_TRUNC));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", FileSyscalls.flagsText(OPENAT, O_TRUNC | O_CREAT | O_WRONLY),
                "the order of the text does not depend on how the bits were written");
        assertEquals("O_RDWR|O_APPEND|O_CLOEXEC", FileSyscalls.flagsText(OPENAT, O_RDWR | O_APPEND | O_CLOEXEC));
        assertEquals("O_WRONLY|O_CREAT|O_EXCL|O_NONBLOCK",
                FileSyscalls.flagsText(OPEN, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK));
        assertEquals("O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC",
                FileSyscalls.flagsText(OPENAT2, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }

    @Test
    void oSyncIsNotShownAsODsync() {
        // O_SYNC is __O_SYNC | O_DSYNC: it is named once, not as its two bits.
        assertEquals("O_WRONLY|O_SYNC", FileSyscalls.flagsText(OPENAT, O_WRONLY | O_SYNC));
        assertEquals("O_WRONLY|O_DSYNC", FileSyscalls.flagsText(OPENAT, O_WRONLY | O_DSYNC));
        assertEquals("O_WRONLY|__O_SYNC", FileSyscalls.flagsText(OPENAT, O_WRONLY | 04000000),
                "__O_SYNC alone is what it is");
    }

    @Test
    void oTmpfileIsNamedAsAWholeNotAsODirectory() {
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY.
        assertEquals("O_RDWR|O_TMPFILE", FileSyscalls.flagsText(OPENAT, O_RDWR | O_TMPFILE));
        assertEquals("O_WRONLY|O_TMPFILE|O_EXCL", FileSyscalls.flagsText(OPENAT, O_WRONLY | O_TMPFILE | O_EXCL));
    }

    @Test
    void unknownOpenBitsAreShownInOctal() {
        assertEquals("O_RDONLY|040000000", FileSyscalls.flagsText(OPENAT, 040000000));
        assertEquals("O_WRONLY|O_CREAT|0100000000", FileSyscalls.flagsText(OPENAT, O_WRONLY | O_CREAT | 0100000000));
    }

    @Test
    void closesAndExitsReportHowTheFileWasOpened() {
        int flags = O_WRONLY | O_CREAT | O_TRUNC;
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", FileSyscalls.flagsText(CLOSE, flags));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", FileSyscalls.flagsText(DUP2, flags));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", FileSyscalls.flagsText(DUP3, flags));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", FileSyscalls.flagsText(EXIT, flags));
        assertEquals("O_WRONLY|O_CREAT|O_TRUNC", FileSyscalls.flagsText(CREAT, flags));
    }

    @Test
    void atCallsShowAtFlags() {
        assertEquals("AT_REMOVEDIR", FileSyscalls.flagsText(UNLINKAT, 0x200));
        assertEquals("AT_SYMLINK_NOFOLLOW", FileSyscalls.flagsText(FCHMODAT, 0x100));
        assertEquals("AT_SYMLINK_FOLLOW", FileSyscalls.flagsText(LINKAT, 0x400));
        assertEquals("AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH", FileSyscalls.flagsText(UTIMENSAT, 0x1000 | 0x100));
        assertEquals("AT_NO_AUTOMOUNT", FileSyscalls.flagsText(UTIMENSAT, 0x800));
        assertEquals("AT_REMOVEDIR|0x8000", FileSyscalls.flagsText(UNLINKAT, 0x200 | 0x8000),
                "unknown bits in hex");
    }

    @Test
    void noFlagsIsEmpty() {
        assertEquals("", FileSyscalls.flagsText(UNLINKAT, 0));
        assertEquals("", FileSyscalls.flagsText(UNLINK, 0));
        assertEquals("", FileSyscalls.flagsText(RENAMEAT, 0));
        assertEquals("", FileSyscalls.flagsText(RENAMEAT2, 0));
    }

    @Test
    void renameat2ShowsRenameFlags() {
        assertEquals("RENAME_NOREPLACE", FileSyscalls.flagsText(RENAMEAT2, 1));
        assertEquals("RENAME_EXCHANGE", FileSyscalls.flagsText(RENAMEAT2, 2));
        assertEquals("RENAME_WHITEOUT", FileSyscalls.flagsText(RENAMEAT2, 4));
        assertEquals("RENAME_NOREPLACE|RENAME_WHITEOUT", FileSyscalls.flagsText(RENAMEAT2, 5));
        assertEquals("RENAME_EXCHANGE|0x8", FileSyscalls.flagsText(RENAMEAT2, 2 | 8));
    }
}
