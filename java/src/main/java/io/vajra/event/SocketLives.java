package io.vajra.event;

import io.vajra.bpf.SocketRecordLayout;
import java.util.Arrays;

/**
 * What a socket's earlier rows told, for its close row: when it was created or accepted
 * (its lifetime) and its local port (a listener closed by exit has already given its port
 * back). Kept here, by the kernel's socket id, rather than in a kernel map: there it cost
 * the traced task a hash insert and delete per socket.
 *
 * <p>Bounded: sockets closed without a close row (UDP or UNIX ones at exit, close_range,
 * an exec's O_CLOEXEC) leave their entry behind. Entries live in two generations of at
 * most {@code max} sockets each; when the newer one is full the older one is dropped, so
 * the newest {@code max} sockets are always known and at most twice that are held. Close
 * rows of forgotten sockets, if any come later, have no lifetime, as for a socket from
 * before Vajra. Only the collector thread calls it.
 *
 * <p>Primitive tables, not a map of boxed ids: two of a TCP connection's five rows add an
 * entry, and each entry of a {@code LinkedHashMap} was three objects for the young
 * collections.
 */
final class SocketLives {
    static final int MAX_SOCKETS = 65_536;

    private final int max;
    private Generation newer = new Generation();
    private Generation older = new Generation();

    SocketLives() {
        this(MAX_SOCKETS);
    }

    SocketLives(int max) {
        this.max = max;
    }

    /**
     * The record's row, with the process's binary and arguments, and for a close its lifetime
     * and port; the other operations teach the tables.
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
                Generation in = holding(id);
                if (in != null) {
                    int slot = in.slotOf(id);
                    long born = in.born[slot];
                    lifetime = born != 0 ? e.kernelNanos() - born : -1;
                    port = port != 0 ? port : in.ports[slot];
                    in.remove(slot);
                }
            }
            case SocketRecordLayout.OP_SOCKET, SocketRecordLayout.OP_ACCEPT, SocketRecordLayout.OP_ACCEPT4 -> {
                if (e.ret() >= 0) {
                    learn(id, e.kernelNanos(), e.localPort());
                }
            }
            default -> { // bind, listen, connect, shutdown: the port it has now
                if (e.ret() >= 0) {
                    Generation in = holding(id);
                    if (in != null) {
                        in.ports[in.slotOf(id)] = e.localPort();
                    } else if (e.localPort() != 0) {
                        learn(id, 0, e.localPort()); // created before Vajra saw it
                    }
                }
            }
        }
        return e.completed(processPath, processArgv, lifetime, port);
    }

    int size() {
        return newer.size + older.size;
    }

    private Generation holding(long id) {
        if (newer.slotOf(id) >= 0) {
            return newer;
        }
        return older.slotOf(id) >= 0 ? older : null;
    }

    /** A socket born now (0: not seen), replacing what an earlier socket at its address left. */
    private void learn(long id, long born, int port) {
        int stale = older.slotOf(id);
        if (stale >= 0) {
            older.remove(stale);
        }
        if (newer.slotOf(id) < 0 && newer.size == max) {
            older.clear();
            Generation full = newer;
            newer = older;
            older = full;
        }
        newer.put(id, born, port);
    }

    /** Socket id to birth and port, open addressing with linear probing; id 0 marks a free slot. */
    private static final class Generation {
        private static final long GOLDEN = 0x9E3779B97F4A7C15L;
        private static final int FIRST_CAPACITY = 1024;
        long[] ids = new long[FIRST_CAPACITY];
        long[] born = new long[FIRST_CAPACITY];
        int[] ports = new int[FIRST_CAPACITY];
        int size;

        private int home(long id) {
            // kernel addresses: aligned, their high bits all alike, hence the multiply
            return (int) ((id * GOLDEN) >>> (64 - Integer.numberOfTrailingZeros(ids.length)));
        }

        int slotOf(long id) {
            int mask = ids.length - 1;
            for (int slot = home(id); ids[slot] != 0; slot = (slot + 1) & mask) {
                if (ids[slot] == id) {
                    return slot;
                }
            }
            return -1;
        }

        void put(long id, long bornNanos, int port) {
            int mask = ids.length - 1;
            int slot = home(id);
            while (ids[slot] != 0 && ids[slot] != id) {
                slot = (slot + 1) & mask;
            }
            if (ids[slot] == 0) {
                size++;
            }
            ids[slot] = id;
            born[slot] = bornNanos;
            ports[slot] = port;
            if (size * 2 > ids.length) {
                grow();
            }
        }

        /** Empties the slot and moves later entries of its run back, so every lookup still finds them. */
        void remove(int slot) {
            int mask = ids.length - 1;
            int hole = slot;
            for (int next = (hole + 1) & mask; ids[next] != 0; next = (next + 1) & mask) {
                int want = home(ids[next]);
                // the entry may move into the hole unless its home lies after the hole, up to it
                if (((next - want) & mask) >= ((next - hole) & mask)) {
                    ids[hole] = ids[next];
                    born[hole] = born[next];
                    ports[hole] = ports[next];
                    hole = next;
                }
            }
            ids[hole] = 0;
            size--;
        }

        void clear() {
            if (ids.length > FIRST_CAPACITY) {
                ids = new long[FIRST_CAPACITY];
                born = new long[FIRST_CAPACITY];
                ports = new int[FIRST_CAPACITY];
            } else {
                Arrays.fill(ids, 0);
            }
            size = 0;
        }

        private void grow() {
            long[] oldIds = ids;
            long[] oldBorn = born;
            int[] oldPorts = ports;
            ids = new long[oldIds.length * 2];
            born = new long[oldIds.length * 2];
            ports = new int[oldIds.length * 2];
            size = 0;
            for (int i = 0; i < oldIds.length; i++) {
                if (oldIds[i] != 0) {
                    put(oldIds[i], oldBorn[i], oldPorts[i]);
                }
            }
        }
    }
}
