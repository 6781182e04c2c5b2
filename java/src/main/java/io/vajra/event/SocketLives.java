package io.vajra.event;

import io.vajra.bpf.SocketRecordLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a socket's earlier rows told, for its close row: when it was created or accepted
 * (its lifetime) and its local port (a listener closed by exit has already given its port
 * back). Kept here, by the kernel's socket id, rather than in a kernel map: there it cost
 * the traced task a hash insert and delete per socket.
 *
 * <p>Bounded: sockets closed without a close row (UDP or UNIX ones at exit, close_range,
 * an exec's O_CLOEXEC) leave their entry, and the oldest entries go first. Their close
 * rows, if any come later, have no lifetime, as for a socket from before Vajra. Only the
 * collector thread calls it.
 */
final class SocketLives {
    static final int MAX_SOCKETS = 65_536;

    /** Birth in boot ns (0: not seen) and the last local port. */
    private static final class Life {
        final long bornNanos;
        int port;

        Life(long bornNanos, int port) {
            this.bornNanos = bornNanos;
            this.port = port;
        }
    }

    private final int max;
    private final Map<Long, Life> lives = new LinkedHashMap<>(1024) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Life> eldest) {
            return size() > max;
        }
    };

    SocketLives() {
        this(MAX_SOCKETS);
    }

    SocketLives(int max) {
        this.max = max;
    }

    /**
     * The record's row, with the process's binary and arguments, and for a close its lifetime
     * and port; the other operations teach the map.
     */
    SocketEvent complete(SocketRecord e, byte[] processPath, byte[] processArgv) {
        long id = e.sockId();
        long lifetime = -1;
        int port = e.localPort();
        if (id == 0) {
            return e.completed(processPath, processArgv, lifetime, port);
        }
        switch (e.op()) {
            case SocketRecordLayout.OP_CONNECT_DONE -> { }
            case SocketRecordLayout.OP_CLOSE -> {
                Life life = lives.remove(id);
                if (life != null) {
                    lifetime = life.bornNanos != 0 ? e.kernelNanos() - life.bornNanos : -1;
                    port = port != 0 ? port : life.port;
                }
            }
            case SocketRecordLayout.OP_SOCKET, SocketRecordLayout.OP_ACCEPT, SocketRecordLayout.OP_ACCEPT4 -> {
                if (e.ret() >= 0) {
                    lives.put(id, new Life(e.kernelNanos(), e.localPort()));
                }
            }
            default -> { // bind, listen, connect, shutdown: the port it has now
                if (e.ret() >= 0) {
                    Life life = lives.get(id);
                    if (life != null) {
                        life.port = e.localPort();
                    } else if (e.localPort() != 0) {
                        lives.put(id, new Life(0, e.localPort())); // created before Vajra saw it
                    }
                }
            }
        }
        return e.completed(processPath, processArgv, lifetime, port);
    }

    int size() {
        return lives.size();
    }
}
