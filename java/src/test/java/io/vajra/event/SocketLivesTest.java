package io.vajra.event;

import static io.vajra.bpf.SocketRecordLayout.FLAG_BY_EXIT;
import static io.vajra.bpf.SocketRecordLayout.FLAG_HAS_LIFETIME;
import static io.vajra.bpf.SocketRecordLayout.OP_ACCEPT4;
import static io.vajra.bpf.SocketRecordLayout.OP_BIND;
import static io.vajra.bpf.SocketRecordLayout.OP_CLOSE;
import static io.vajra.bpf.SocketRecordLayout.OP_LISTEN;
import static io.vajra.bpf.SocketRecordLayout.OP_SOCKET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vajra.testing.SocketEventBuilder;
import org.junit.jupiter.api.Test;

class SocketLivesTest {
    private static final long SOCK = 0xffff888012345678L;
    private static final byte[] ANY = new byte[16];

    private final SocketLives lives = new SocketLives();

    private static final byte[] PATH = "/usr/bin/curl".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    private static final byte[] ARGV = "curl\0localhost\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private SocketEvent complete(SocketEvent e) {
        return complete(lives, e);
    }

    private static SocketEvent complete(SocketLives lives, SocketEvent e) {
        return lives.complete(e, PATH, ARGV);
    }

    private static SocketEventBuilder row(int op, long atNanos) {
        return new SocketEventBuilder().op(op).atBootNanos(atNanos).sock(SOCK).ret(0);
    }

    @Test
    void aCloseGetsTheTimeSinceItsSocketWasCreated() {
        complete(row(OP_SOCKET, 1_000).ret(3).local(ANY, 0).build());
        SocketEvent close = complete(row(OP_CLOSE, 5_500).build());
        assertEquals(4_500, close.lifetimeNanos());
        assertEquals(FLAG_HAS_LIFETIME, close.flags() & FLAG_HAS_LIFETIME);
        assertEquals(0, lives.size(), "the close ends the socket's entry");
    }

    @Test
    void anAcceptedSocketCountsFromItsAccept() {
        complete(row(OP_ACCEPT4, 2_000).ret(5).build());
        assertEquals(1_000, complete(row(OP_CLOSE, 3_000).build()).lifetimeNanos());
    }

    @Test
    void aListenerClosedByExitGetsThePortItHadGivenBack() {
        complete(row(OP_SOCKET, 1_000).ret(3).local(ANY, 0).build());
        complete(row(OP_BIND, 1_100).local(ANY, 8080).build());
        complete(row(OP_LISTEN, 1_200).local(ANY, 8080).build());
        SocketEvent close = complete(row(OP_CLOSE, 9_000).flags(FLAG_BY_EXIT).local(ANY, 0).build());
        assertEquals(8080, close.localPort());
        assertEquals(8_000, close.lifetimeNanos());
    }

    @Test
    void aSocketFromBeforeVajraHasItsPortButNoLifetime() {
        complete(row(OP_LISTEN, 1_200).local(ANY, 9090).build());
        SocketEvent close = complete(row(OP_CLOSE, 9_000).local(ANY, 0).build());
        assertEquals(9090, close.localPort());
        assertEquals(0, close.flags() & FLAG_HAS_LIFETIME);
    }

    @Test
    void unknownSocketsAndFailedCallsGetOnlyTheirProcess() {
        SocketEvent close = complete(row(OP_CLOSE, 9_000).local(ANY, 4242).build());
        assertEquals(0, close.flags() & FLAG_HAS_LIFETIME);
        assertEquals(4242, close.localPort());
        assertSame(PATH, close.processPath());
        complete(row(OP_SOCKET, 1_000).ret(-24).build()); // EMFILE: no socket
        assertEquals(0, lives.size());
        SocketEvent noSocket = complete(new SocketEventBuilder().op(OP_CLOSE).build()); // sock id 0
        assertEquals(0, noSocket.flags() & FLAG_HAS_LIFETIME);
        assertSame(ARGV, noSocket.processArgv());
    }

    @Test
    void everyRowCarriesItsProcessAndACloseItsLifeInOneCopy() {
        SocketEvent socket = complete(row(OP_SOCKET, 1_000).ret(3).local(ANY, 0).build());
        SocketEvent close = complete(row(OP_CLOSE, 2_000).build());
        for (SocketEvent e : new SocketEvent[] {socket, close}) {
            assertSame(PATH, e.processPath());
            assertSame(ARGV, e.processArgv());
        }
        assertEquals(1_000, close.lifetimeNanos());
    }

    @Test
    void theNewestSocketsAreKeptAndOlderGenerationsForgotten() {
        SocketLives small = new SocketLives(2); // generations of two: holds two to four
        for (long id = 1; id <= 5; id++) {
            complete(small, new SocketEventBuilder().op(OP_SOCKET).atBootNanos(id).sock(id).ret(3).build());
        }
        assertEquals(3, small.size(), "{3, 4} and {5}: sockets 1 and 2 went with their generation");
        for (long id = 1; id <= 2; id++) {
            SocketEvent close = new SocketEventBuilder().op(OP_CLOSE).atBootNanos(10).sock(id).build();
            assertEquals(0, complete(small, close).flags() & FLAG_HAS_LIFETIME, "socket " + id + " was forgotten");
        }
        for (long id = 3; id <= 5; id++) {
            SocketEvent close = new SocketEventBuilder().op(OP_CLOSE).atBootNanos(10).sock(id).build();
            assertEquals(10 - id, complete(small, close).lifetimeNanos(), "socket " + id);
        }
        assertEquals(0, small.size());
    }

    @Test
    void aSocketBornAgainAtTheSameAddressStartsAFreshLife() {
        SocketLives small = new SocketLives(2);
        complete(small, new SocketEventBuilder().op(OP_SOCKET).atBootNanos(1).sock(7).ret(3).build());
        complete(small, new SocketEventBuilder().op(OP_SOCKET).atBootNanos(2).sock(8).ret(3).build());
        complete(small, new SocketEventBuilder().op(OP_SOCKET).atBootNanos(3).sock(9).ret(3).build()); // 7, 8 older
        complete(small, new SocketEventBuilder().op(OP_ACCEPT4).atBootNanos(4).sock(7).ret(5).build()); // reused
        assertEquals(3, small.size(), "the reused address is held once");
        SocketEvent close = new SocketEventBuilder().op(OP_CLOSE).atBootNanos(10).sock(7).build();
        assertEquals(6, complete(small, close).lifetimeNanos());
    }

    /**
     * The tables against a plain map, over many sockets whose ids collide in the open
     * addressing (kernel addresses 64 bytes apart) and whose closes come in random order:
     * every close finds its socket's birth, whatever was removed around it.
     */
    @Test
    void everyCloseFindsItsBirthThroughGrowthAndRemovals() {
        SocketLives big = new SocketLives(1 << 16);
        java.util.Map<Long, Long> model = new java.util.HashMap<>();
        java.util.List<Long> open = new java.util.ArrayList<>();
        java.util.Random random = new java.util.Random(42);
        long now = 1;
        for (int step = 0; step < 200_000; step++) {
            now++;
            if (open.isEmpty() || (open.size() < 5_000 && random.nextInt(3) > 0)) {
                long id = 0xffff888000000000L + 64L * random.nextInt(20_000);
                if (model.containsKey(id)) {
                    continue;
                }
                complete(big, new SocketEventBuilder().op(OP_SOCKET).atBootNanos(now).sock(id).ret(3).build());
                model.put(id, now);
                open.add(id);
            } else {
                long id = open.remove(random.nextInt(open.size()));
                SocketEvent close = new SocketEventBuilder().op(OP_CLOSE).atBootNanos(now).sock(id).build();
                assertEquals(now - model.remove(id), complete(big, close).lifetimeNanos(), "socket " + Long.toHexString(id));
            }
            assertEquals(model.size(), big.size());
        }
    }
}
