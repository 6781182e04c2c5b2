package io.vajra.event;

import io.vajra.container.CgroupContext;

/**
 * One file record as decoded from a batch (see bpf/events.h, struct vj_file), before the
 * FIM layer turns it into rows. Inode fields are valid when {@code flags} has
 * {@link io.vajra.bpf.FileRecordLayout#FLAG_HAS_INODE}. Ids are unsigned 32-bit values held
 * in an int.
 *
 * @param op       one of {@link io.vajra.bpf.FileRecordLayout}'s OP_* values
 * @param dev      the target's device, kernel encoding (major << 20 | minor)
 * @param ret      the syscall's return value (an fd for opens)
 * @param syscall  x86_64 syscall number, or SYSCALL_BY_EXIT
 * @param sides    the target (and for renames the destination, for links the existing
 *                 file, for symlinks the link's content)
 * @param cgroup   cgroup and container, resolved while decoding
 */
public record FileEvent(
        int op,
        long kernelNanos,
        long unixNanos,
        long cgroupId,
        long cgroupV1Id,
        long ino,
        long size,
        long atimeNanos,
        long mtimeNanos,
        long ctimeNanos,
        int dev,
        int mode,
        int fileUid,
        int fileGid,
        int pid,
        int tid,
        int ppid,
        int uid,
        int gid,
        int euid,
        int egid,
        int auid,
        int pidNs,
        int nsPid,
        int ret,
        int fd,
        int openFlags,
        int fMode,
        int syscall,
        int flags,
        Side side0,
        Side side1,
        byte[] comm,
        CgroupContext cgroup) {

    /**
     * One path of the event, as the kernel saw it.
     *
     * @param rootIno  the watch root the kernel matched (0: none)
     * @param rootDev  its device, kernel encoding
     * @param depth    components of {@code path} below the root
     * @param nameSkip with SIDE_ROOT_BY_NAME: components of {@code name} up to the root
     * @param path     fd targets: the file's absolute path; name targets: the base directory
     *                 (cwd, dirfd or root), in the process's mount namespace
     * @param name     the caller's string for name targets, empty for fd targets
     * @param flags    {@link io.vajra.bpf.FileRecordLayout}'s SIDE_* bits
     * @param levels   with SIDE_LEVELS: the names between the target (fd targets) or the base
     *                 directory (name targets) and the root, as "/a/b"; they differ from the
     *                 end of {@code path} when the file was reached through a bind mount
     */
    public record Side(long rootIno, int rootDev, int depth, int nameSkip, byte[] path, byte[] name, int flags,
            byte[] levels) {
        public static final Side NONE = new Side(0, 0, 0, 0, new byte[0], new byte[0], 0, new byte[0]);

        /** A side without levels below its root. */
        public Side(long rootIno, int rootDev, int depth, int nameSkip, byte[] path, byte[] name, int flags) {
            this(rootIno, rootDev, depth, nameSkip, path, name, flags, new byte[0]);
        }

        public boolean watched() {
            return (flags & io.vajra.bpf.FileRecordLayout.SIDE_WATCHED) != 0;
        }
    }
}
