package io.vajra.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class EventStoreTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;

    private final AtomicLong clock = new AtomicLong(T0);

    private EventStore<TestEvent> store(int rows, long bytes, long expirySeconds) {
        return new EventStore<>(new StoreSettings(rows, bytes, expirySeconds), clock::get);
    }

    private static long[] range(long from, long to) {
        return LongStream.rangeClosed(from, to).toArray();
    }

    @Test
    void eidsStartAtOneAndIncreaseByOne() {
        EventStore<TestEvent> store = store(10, 1 << 20, 3600);
        assertEquals(1, store.append(TestEvent.at(T0)));
        assertEquals(2, store.append(TestEvent.at(T0)));
        assertEquals(5, store.appendAll(List.of(TestEvent.at(T0), TestEvent.at(T0), TestEvent.at(T0))));
        assertArrayEquals(range(1, 5), store.read(EventRange.ALL).eids());
        StoreStats stats = store.stats();
        assertEquals(1, stats.oldestEid());
        assertEquals(5, stats.newestEid());
        assertEquals(5, stats.appended());
    }

    @Test
    void emptyStoreReportsAnEmptyEidWindow() {
        StoreStats stats = store(10, 1 << 20, 3600).stats();
        assertEquals(1, stats.oldestEid());
        assertEquals(0, stats.newestEid());
        assertEquals(0, stats.rows());
        assertEquals(0, store(10, 1 << 20, 3600).appendAll(List.of()));
    }

    @Test
    void capacityEvictsTheOldestAndCountsTheLoss() {
        EventStore<TestEvent> store = store(3, 1 << 20, 3600);
        for (int i = 0; i < 5; i++) {
            store.append(TestEvent.at(T0));
        }
        assertArrayEquals(new long[] {3, 4, 5}, store.read(EventRange.ALL).eids());
        StoreStats stats = store.stats();
        assertEquals(3, stats.rows());
        assertEquals(2, stats.evictedCapacity());
        assertEquals(0, stats.evictedBytes());
        assertEquals(0, stats.expired());
        assertEquals(2, stats.lost());
        assertEquals(300, stats.bytes());
    }

    @Test
    void byteBudgetEvictsTheOldestAndCountsTheLoss() {
        EventStore<TestEvent> store = store(100, 100, 3600);
        store.append(new TestEvent(T0, 40, 1));
        store.append(new TestEvent(T0, 40, 2));
        store.append(new TestEvent(T0, 40, 3)); // 120 > 100: the first goes
        assertArrayEquals(new long[] {2, 3}, store.read(EventRange.ALL).eids());
        store.append(new TestEvent(T0, 90, 4)); // needs both others gone
        assertArrayEquals(new long[] {4}, store.read(EventRange.ALL).eids());
        StoreStats stats = store.stats();
        assertEquals(3, stats.evictedBytes());
        assertEquals(0, stats.evictedCapacity());
        assertEquals(90, stats.bytes());
    }

    @Test
    void anEventLargerThanTheWholeBudgetIsDroppedWithoutTakingAnEid() {
        EventStore<TestEvent> store = store(100, 100, 3600);
        store.append(new TestEvent(T0, 40, 1));
        assertEquals(0, store.append(new TestEvent(T0, 101, 2)));
        assertEquals(2, store.append(new TestEvent(T0, 40, 3)));
        assertArrayEquals(new long[] {1, 2}, store.read(EventRange.ALL).eids());
        StoreStats stats = store.stats();
        assertEquals(1, stats.droppedOversize());
        assertEquals(0, stats.evictedBytes());
        assertEquals(1, stats.lost());
    }

    @Test
    void eventsExpireOnReadByTheirOwnTime() {
        EventStore<TestEvent> store = store(100, 1 << 20, 10);
        store.append(TestEvent.at(T0));
        store.append(TestEvent.at(T0 + 5 * SECOND));
        store.append(TestEvent.at(T0 + 8 * SECOND));
        clock.set(T0 + 10 * SECOND); // cutoff T0: nothing is older
        assertArrayEquals(new long[] {1, 2, 3}, store.read(EventRange.ALL).eids());
        clock.set(T0 + 16 * SECOND); // cutoff T0 + 6 s
        assertArrayEquals(new long[] {3}, store.read(EventRange.ALL).eids());
        StoreStats stats = store.stats();
        assertEquals(2, stats.expired());
        assertEquals(0, stats.lost());
        assertEquals(3, stats.oldestEid());
        assertEquals(1, stats.rows());
    }

    @Test
    void eventsExpireOnAppend() {
        EventStore<TestEvent> store = store(100, 1 << 20, 10);
        store.append(TestEvent.at(T0));
        store.append(TestEvent.at(T0 + SECOND));
        clock.set(T0 + 20 * SECOND);
        store.append(TestEvent.at(T0 + 20 * SECOND));
        // Counted before any read triggers expiry itself.
        assertEquals(3, store.read(EventRange.eids(3, 3)).eid(0));
        assertEquals(2, store.stats().expired());
    }

    @Test
    void expiredEventsCountAsExpiredNotAsCapacityLoss() {
        EventStore<TestEvent> store = store(2, 1 << 20, 10);
        store.append(TestEvent.at(T0));
        store.append(TestEvent.at(T0));
        clock.set(T0 + 60 * SECOND);
        store.append(TestEvent.at(T0 + 60 * SECOND));
        StoreStats stats = store.stats();
        assertEquals(2, stats.expired());
        assertEquals(0, stats.evictedCapacity());
    }

    @Test
    void anOutOfOrderOldEventBehindTheHeadIsHiddenOnceExpired() {
        EventStore<TestEvent> store = store(100, 1 << 20, 10);
        store.append(TestEvent.at(T0 + 5 * SECOND));
        store.append(TestEvent.at(T0)); // older than its predecessor
        store.append(TestEvent.at(T0 + 6 * SECOND));
        clock.set(T0 + 12 * SECOND); // cutoff T0 + 2 s: eid 2 is due, eid 1 is not
        assertArrayEquals(new long[] {1, 3}, store.read(EventRange.ALL).eids());
        assertEquals(0, store.stats().expired(), "eids stay contiguous: it leaves from the head later");
        clock.set(T0 + 15500 * SECOND / 1000);
        assertArrayEquals(new long[] {3}, store.read(EventRange.ALL).eids());
        assertEquals(2, store.stats().expired());
    }

    @Test
    void eidRangeScanIsInclusiveAndClippedToWhatIsHeld() {
        EventStore<TestEvent> store = store(5, 1 << 20, 3600);
        for (int i = 0; i < 8; i++) {
            store.append(TestEvent.at(T0));
        }
        // Holds 4..8.
        assertArrayEquals(new long[] {5, 6, 7}, store.read(EventRange.eids(5, 7)).eids());
        assertArrayEquals(new long[] {4, 5}, store.read(EventRange.eids(1, 5)).eids());
        assertArrayEquals(new long[] {8}, store.read(EventRange.eids(8, 100)).eids());
        assertTrue(store.read(EventRange.eids(9, 100)).isEmpty());
        assertTrue(store.read(EventRange.eids(1, 3)).isEmpty());
        assertTrue(store.read(EventRange.eids(7, 6)).isEmpty());
    }

    @Test
    void timeRangeScanFindsTheBoundsInOrderedTimes() {
        EventStore<TestEvent> store = store(100, 1 << 20, 3600);
        for (int i = 0; i < 10; i++) {
            store.append(TestEvent.at(T0 + i * SECOND)); // eid i+1 at T0 + i s
        }
        assertArrayEquals(new long[] {3, 4, 5}, store.read(EventRange.unixNanos(T0 + 2 * SECOND, T0 + 4 * SECOND)).eids());
        assertArrayEquals(new long[] {4, 5}, store.read(EventRange.unixNanos(T0 + 2 * SECOND + 1, T0 + 5 * SECOND - 1)).eids());
        assertArrayEquals(new long[] {10}, store.read(EventRange.unixNanos(T0 + 9 * SECOND, Long.MAX_VALUE)).eids());
        assertTrue(store.read(EventRange.unixNanos(T0 + 10 * SECOND, Long.MAX_VALUE)).isEmpty());
        assertArrayEquals(new long[] {4, 5}, store.read(
                new EventRange(4, 8, T0, T0 + 4 * SECOND)).eids(), "eid and time bounds combine");
    }

    @Test
    void timeRangeScanIsCorrectWhenTimesRunBackwards() {
        EventStore<TestEvent> store = store(100, 1 << 20, 3600);
        long[] seconds = {10, 30, 20, 40, 25};
        for (long s : seconds) {
            store.append(TestEvent.at(T0 + s * SECOND));
        }
        assertArrayEquals(new long[] {2, 3, 5}, store.read(EventRange.unixNanos(T0 + 15 * SECOND, T0 + 35 * SECOND)).eids());
    }

    @Test
    void readsMatchABruteForceModelForNearlyMonotonicTimes() {
        Random random = new Random(42);
        EventStore<TestEvent> store = store(300, 1 << 20, 3600);
        List<long[]> model = new ArrayList<>(); // {eid, time} held, modelling capacity only
        long time = T0;
        for (int eid = 1; eid <= 2000; eid++) {
            time += random.nextInt(1000);
            long jittered = random.nextInt(20) == 0 ? time - random.nextInt(3000) : time;
            store.append(new TestEvent(jittered, 10, eid));
            model.add(new long[] {eid, jittered});
            if (model.size() > 300) {
                model.remove(0);
            }
            if (eid % 97 == 0) {
                for (int q = 0; q < 20; q++) {
                    long lo = time - random.nextInt(400_000);
                    long hi = lo + random.nextInt(200_000);
                    long minEid = eid - random.nextInt(400);
                    long maxEid = minEid + random.nextInt(400);
                    long[] expected = model.stream()
                            .filter(e -> e[0] >= minEid && e[0] <= maxEid && e[1] >= lo && e[1] <= hi)
                            .mapToLong(e -> e[0]).toArray();
                    EventSlice<TestEvent> slice = store.read(new EventRange(minEid, maxEid, lo, hi));
                    assertArrayEquals(expected, slice.eids(), "eids " + minEid + ".." + maxEid + " time " + lo + ".." + hi);
                    for (int i = 0; i < slice.size(); i++) {
                        assertEquals(slice.eid(i), slice.event(i).seq());
                    }
                }
            }
        }
    }

    @Test
    void ringGrowsAndWrapsWithoutReorderingEvents() {
        EventStore<TestEvent> store = store(3000, 1 << 30, 3600);
        for (int i = 1; i <= 4500; i++) {
            store.append(new TestEvent(T0 + i, 10, i));
        }
        EventSlice<TestEvent> all = store.read(EventRange.ALL);
        assertArrayEquals(range(1501, 4500), all.eids());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(all.eid(i), all.event(i).seq());
        }
        assertEquals(1500, store.stats().evictedCapacity());
    }

    @Test
    void readHandsOutTheStoredInstances() {
        EventStore<TestEvent> store = store(10, 1 << 20, 3600);
        TestEvent event = TestEvent.at(T0);
        store.append(event);
        assertSame(event, store.read(EventRange.ALL).event(0));
    }

    @Test
    void settingsRejectNonsense() {
        assertEquals("events max must be at least 1, not 0",
                assertThrows(IllegalArgumentException.class, () -> new StoreSettings(0, 1, 1)).getMessage());
        assertEquals("store byte budget must be at least 1 byte, not 0",
                assertThrows(IllegalArgumentException.class, () -> new StoreSettings(1, 0, 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StoreSettings(1, 1, 0));
        StoreSettings defaults = StoreSettings.defaults();
        assertEquals(50_000, defaults.capacityRows());
        assertEquals(64L << 20, defaults.byteBudget());
        assertEquals(3600, defaults.expirySeconds());
    }

    @Test
    void concurrentReadersSeeContiguousCorrectEventsWhileTheWriterAppends() throws Exception {
        EventStore<TestEvent> store = new EventStore<>(new StoreSettings(1000, 1 << 20, 3600));
        long now = System.currentTimeMillis() * 1_000_000L;
        int total = 200_000;
        List<Throwable> failures = new ArrayList<>();
        Thread writer = new Thread(() -> {
            List<TestEvent> batch = new ArrayList<>();
            for (int seq = 1; seq <= total; seq++) {
                batch.add(new TestEvent(now + seq, 100, seq));
                if (batch.size() == 37 || seq == total) {
                    store.appendAll(batch);
                    batch.clear();
                }
            }
        });
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int reader = r;
            readers.add(new Thread(() -> {
                try {
                    long lastNewest = 0;
                    while (writer.isAlive() || lastNewest < total) {
                        EventSlice<TestEvent> slice = reader == 0 ? store.read(EventRange.ALL)
                                : reader == 1 ? store.read(EventRange.eids(lastNewest - 200, Long.MAX_VALUE))
                                : store.read(EventRange.unixNanos(now + lastNewest - 500, Long.MAX_VALUE));
                        for (int i = 0; i < slice.size(); i++) {
                            if (slice.event(i).seq() != slice.eid(i)) {
                                throw new AssertionError("eid " + slice.eid(i) + " holds event " + slice.event(i).seq());
                            }
                            if (i > 0 && slice.eid(i) != slice.eid(i - 1) + 1) {
                                throw new AssertionError("gap after eid " + slice.eid(i - 1));
                            }
                        }
                        if (slice.size() > 1000) {
                            throw new AssertionError("more rows than the capacity: " + slice.size());
                        }
                        if (!slice.isEmpty()) {
                            if (slice.eid(slice.size() - 1) < lastNewest) {
                                throw new AssertionError("newest eid went backwards");
                            }
                            lastNewest = slice.eid(slice.size() - 1);
                        }
                    }
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                }
            }));
        }
        readers.forEach(Thread::start);
        writer.start();
        writer.join();
        for (Thread reader : readers) {
            reader.join(30_000);
        }
        assertEquals(List.of(), failures);
        StoreStats stats = store.stats();
        assertEquals(total, stats.newestEid());
        assertEquals(total - 1000, stats.evictedCapacity());
        assertEquals(1000, stats.rows());
    }
}
