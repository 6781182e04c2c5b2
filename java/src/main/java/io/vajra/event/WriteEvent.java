package io.vajra.event;

import io.vajra.container.CgroupContext;

/**
 * A write to a file in a watched log directory, as the kernel saw it: which bytes, by whom.
 * Ids are unsigned 32-bit values held in an int.
 *
 * @param syscall x86_64 syscall number (write 1, pwrite64 18, writev 20, pwritev 296, pwritev2 328)
 * @param dev     the file's device, kernel encoding (major << 20 | minor)
 * @param offset  file offset of the first byte written
 * @param bytes   bytes written
 */
public record WriteEvent(
        int syscall,
        long kernelNanos,
        long unixNanos,
        long cgroupId,
        long cgroupV1Id,
        long ino,
        long offset,
        long bytes,
        int dev,
        int pid,
        int tid,
        int ppid,
        int uid,
        int gid,
        int pidNs,
        int nsPid,
        int fd,
        byte[] comm,
        CgroupContext cgroup) {}
