package io.vajra.event;

import io.vajra.container.CgroupContext;

/**
 * One socket event as decoded from a batch (see bpf/events.h, struct vj_socket).
 * Addresses are raw network-order bytes (IPv4 in the first 4 of 16), formatted only
 * when a row is asked for. Ids are unsigned 32-bit values held in an int.
 *
 * @param op            one of {@link io.vajra.bpf.SocketRecordLayout}'s OP_* values
 * @param durationNanos time in the syscall; for OP_CONNECT_DONE, since the connect call
 * @param bytesSent     TCP close/shutdown: data bytes sent, retransmissions included (FLAG_HAS_BYTES)
 * @param lifetimeNanos close: since the socket was created or accepted (FLAG_HAS_LIFETIME), from
 *                      {@link SocketLives}
 * @param sockId        the kernel's socket, telling one socket's rows apart; 0 when none
 * @param ret           the syscall's return: fd, 0 or -errno; OP_CONNECT_DONE: 0 or -error
 * @param fd            the socket's fd (for socket/accept: the new one)
 * @param netns         inode number of the socket's network namespace
 * @param family        AF_INET 2, AF_INET6 10, AF_UNIX 1; 0 when unknown
 * @param flags         {@link io.vajra.bpf.SocketRecordLayout}'s FLAG_* bits
 * @param localPath     UNIX: the bound path or abstract name (raw bytes)
 * @param remotePath    UNIX: the peer's path or abstract name
 * @param cgroup        cgroup and container, resolved by the collector; null before
 * @param processPath   the process's binary, from the collector's process cache ("" if unknown)
 * @param processArgv   its arguments, NUL separated, from the same cache
 */
public record SocketEvent(
        int op,
        long kernelNanos,
        long unixNanos,
        long cgroupId,
        long cgroupV1Id,
        long durationNanos,
        long bytesSent,
        long bytesReceived,
        long lifetimeNanos,
        long sockId,
        int pid,
        int tid,
        int ppid,
        int uid,
        int gid,
        int ret,
        int fd,
        int netns,
        int pidNs,
        int nsPid,
        int family,
        int type,
        int protocol,
        int flags,
        int localPort,
        int remotePort,
        byte[] localAddress,
        byte[] remoteAddress,
        byte[] comm,
        byte[] localPath,
        byte[] remotePath,
        CgroupContext cgroup,
        byte[] processPath,
        byte[] processArgv) implements Event, SocketRecord {

    private static final int FIXED_BYTES = 200;

    @Override
    public int byteSize() {
        return FIXED_BYTES + comm.length + localPath.length + remotePath.length;
    }

    /** The same event, completed (see {@link SocketRecord#completed}): a copy. */
    @Override
    public SocketEvent completed(byte[] path, byte[] argv, long lifetime, int port) {
        return new SocketEvent(op, kernelNanos, unixNanos, cgroupId, cgroupV1Id, durationNanos, bytesSent,
                bytesReceived, SocketRecord.completedLifetime(lifetime, lifetimeNanos), sockId, pid, tid, ppid, uid,
                gid, ret, fd, netns, pidNs, nsPid, family, type, protocol, SocketRecord.completedFlags(lifetime, flags),
                port, remotePort, localAddress, remoteAddress, comm, localPath, remotePath, cgroup, path, argv);
    }
}
