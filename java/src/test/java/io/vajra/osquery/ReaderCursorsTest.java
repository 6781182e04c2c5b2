package io.vajra.osquery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.osquery.ReaderCursors.Claim;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReaderCursorsTest {
    private final List<String> forgotten = new ArrayList<>();
    private final ReaderCursors cursors = new ReaderCursors(3, (table, reader) -> forgotten.add(table + "/" + reader));

    @Test
    void aNewReaderGetsEverythingHeldThenOnlyWhatIsNew() {
        assertEquals(new Claim(0, 10, false), cursors.claim("t", "audit", 10));
        assertEquals(new Claim(10, 10, true), cursors.claim("t", "audit", 10));
        assertTrue(cursors.claim("t", "audit", 10).isEmpty());
        assertEquals(new Claim(10, 25, true), cursors.claim("t", "audit", 25));
        assertEquals(25, cursors.cursor("t", "audit"));
    }

    @Test
    void readersAndTablesHaveTheirOwnCursors() {
        cursors.claim("t", "a", 10);
        assertEquals(new Claim(0, 12, false), cursors.claim("t", "b", 12));
        assertEquals(new Claim(0, 12, false), cursors.claim("u", "a", 12));
        assertEquals(new Claim(10, 12, true), cursors.claim("t", "a", 12));
    }

    @Test
    void aCursorNeverMovesBack() {
        cursors.claim("t", "a", 10);
        assertEquals(new Claim(10, 10, true), cursors.claim("t", "a", 4));
    }

    @Test
    void theLeastRecentlyUsedReaderIsForgottenAndStartsOver() {
        cursors.claim("t", "a", 1);
        cursors.claim("t", "b", 1);
        cursors.claim("t", "c", 1);
        cursors.claim("t", "a", 2); // a is now the most recently used
        cursors.claim("t", "d", 2);
        assertEquals(List.of("t/b"), forgotten);
        assertEquals(3, cursors.size());
        assertEquals(-1, cursors.cursor("t", "b"));
        assertFalse(cursors.claim("t", "b", 5).known());
    }

    @Test
    void concurrentCallsOfOneReaderGetDisjointRangesThatCoverEverything() throws Exception {
        ReaderCursors shared = new ReaderCursors(16, (t, r) -> { });
        AtomicLong newest = new AtomicLong();
        List<Claim> claims = new CopyOnWriteArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < 1000; k++) {
                    claims.add(shared.claim("t", "r", newest.addAndGet(3)));
                }
            });
            threads.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        boolean[] offered = new boolean[(int) newest.get() + 1];
        for (Claim c : claims) {
            for (long eid = c.afterEid() + 1; eid <= c.throughEid(); eid++) {
                assertFalse(offered[(int) eid], "eid " + eid + " offered twice");
                offered[(int) eid] = true;
            }
        }
        for (int eid = 1; eid < offered.length; eid++) {
            assertTrue(offered[eid], "eid " + eid + " never offered");
        }
    }

    @Test
    void aClaimThatCouldNotBeDeliveredIsGivenBackUnlessALaterOneFollowed() {
        cursors.claim("t", "a", 5);
        Claim failed = cursors.claim("t", "a", 9);
        cursors.giveBack("t", "a", failed);
        assertEquals(new Claim(5, 9, true), cursors.claim("t", "a", 9));
        Claim first = cursors.claim("t", "a", 12);
        cursors.claim("t", "a", 15);
        cursors.giveBack("t", "a", first);
        assertEquals(15, cursors.cursor("t", "a"), "the later claim delivered 12..15: no going back");
        Claim brandNew = cursors.claim("t", "new", 3);
        cursors.giveBack("t", "new", brandNew);
        assertEquals(-1, cursors.cursor("t", "new"));
    }

    @Test
    void capacityMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ReaderCursors(0, (t, r) -> { }));
    }
}
