package io.vajra.event;

import io.vajra.container.CgroupContext;

/**
 * One process event as decoded from a batch (see bpf/events.h, struct vj_process).
 * Immutable; byte strings are kept raw and formatted only when a row is asked for.
 *
 * <p>Ids and credentials are the kernel's unsigned 32-bit values held in an int: use
 * {@link Integer#toUnsignedLong(int)} to show them.
 *
 * @param op         one of {@link io.vajra.bpf.ProcessRecordLayout}'s OP_* values
 * @param exitCode   exec: the syscall's return (0 or -errno); exit: the status 0-255
 * @param exitSignal exit: the signal that killed the process, 0 if none
 * @param flags      {@link io.vajra.bpf.ProcessRecordLayout}'s FLAG_* bits
 * @param path       the binary, absolute and resolved by the kernel (failed exec: as given)
 * @param cwd        absolute working directory (" (deleted)" appended when removed)
 * @param filename   exec: the path as passed to execve; empty otherwise
 * @param argv       the arguments, each terminated by a NUL (the last may be cut)
 * @param cgroupV1Id the process's cgroup id in the followed v1 hierarchy, 0 if none
 * @param pidNs      inode number of the process's pid namespace
 * @param nsPid      the process's pid inside that namespace
 * @param cgroup     cgroup path and container, resolved by the collector; null before
 */
public record ProcessEvent(
        int op,
        long kernelNanos,
        long unixNanos,
        long cgroupId,
        long durationNanos,
        long startBootNanos,
        int pid,
        int tid,
        int ppid,
        int uid,
        int gid,
        int euid,
        int egid,
        int suid,
        int sgid,
        int fsuid,
        int fsgid,
        int auid,
        int exitCode,
        int exitSignal,
        long argvTrueLength,
        int flags,
        int argc,
        byte[] comm,
        byte[] path,
        byte[] cwd,
        byte[] filename,
        byte[] argv,
        long cgroupV1Id,
        int pidNs,
        int nsPid,
        CgroupContext cgroup) implements Event {

    private static final int FIXED_BYTES = 160;

    @Override
    public int byteSize() {
        return FIXED_BYTES + comm.length + path.length + cwd.length + filename.length + argv.length;
    }

    /**
     * The same event with the image it runs filled in from elsewhere: exit events have lost
     * the process's memory map, fork rows run their parent's image. {@code knownPath} is
     * used only when the event has no path of its own.
     */
    public ProcessEvent withImage(byte[] knownPath, byte[] knownArgv, int knownArgc) {
        return new ProcessEvent(op, kernelNanos, unixNanos, cgroupId, durationNanos, startBootNanos,
                pid, tid, ppid, uid, gid, euid, egid, suid, sgid, fsuid, fsgid, auid, exitCode,
                exitSignal, knownArgv.length, flags, knownArgc, comm, path.length == 0 ? knownPath : path,
                cwd, filename, knownArgv, cgroupV1Id, pidNs, nsPid, cgroup);
    }
}
