package io.vajra.fim;

import io.vajra.event.Event;
import io.vajra.event.FileEvent;

/**
 * One {@code bpf_file_events} row: what happened to which watched path, for which
 * category, by whom. A rename gives two (MOVED_FROM and MOVED_TO) sharing a transaction id;
 * a path in several categories gives one per category, as osquery does.
 *
 * @param event         the kernel's record (process, syscall, flags, inode after the call)
 * @param action        CREATED, UPDATED, DELETED, MOVED_FROM, MOVED_TO, ATTRIBUTES_MODIFIED,
 *                      OPENED or ACCESSED
 * @param targetPath    absolute, in the host's view (the configured root's path + the rest)
 * @param namespacePath the same path as the process named it, in its mount namespace
 * @param transactionId links MOVED_FROM to MOVED_TO; 0 otherwise
 * @param linkTarget    symlink creation: the link's content; empty otherwise
 * @param stat          the file's attributes: from the kernel's inode when the event had the
 *                      file open, else read when the row was built; null when gone
 * @param hash          md5/sha1/sha256 for CREATED and UPDATED, filled off the collector
 *                      thread; null when not hashed
 */
public record FileChange(
        FileEvent event,
        String action,
        String category,
        byte[] targetPath,
        byte[] namespacePath,
        long transactionId,
        byte[] linkTarget,
        FileStat stat,
        FileHasher.Result hash,
        byte[] processPath,
        byte[] processArgv) implements Event {

    private static final int FIXED_BYTES = 400;

    @Override
    public long unixNanos() {
        return event.unixNanos();
    }

    @Override
    public int byteSize() {
        return FIXED_BYTES + targetPath.length + namespacePath.length + linkTarget.length
                + event.side0().path().length + event.side0().name().length + event.side1().path().length
                + event.side1().name().length;
    }

    /**
     * A file's attributes.
     *
     * @param fromKernel read by the probe from the inode (exact), not by user space later
     */
    public record FileStat(long ino, int dev, int mode, int uid, int gid, long size, long atimeNanos,
            long mtimeNanos, long ctimeNanos, boolean fromKernel) {}
}
