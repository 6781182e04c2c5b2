package io.vajra.fim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vajra.fim.FileHasher.Result;
import io.vajra.fim.FileHasher.State;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHasherTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private static byte[] bytes(Path p) {
        return p.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String hex(String algorithm, byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
    }

    /** Submits and waits for the hasher to finish it. */
    private static Result hash(FileHasher h, Path p) throws Exception {
        Result r = h.submit(bytes(p));
        assertTrue(h.awaitIdle(WAIT));
        return r;
    }

    private static void assertDigests(byte[] content, Result r) throws Exception {
        assertEquals(State.HASHED, r.state(), r.failure());
        assertEquals(1, r.hashed());
        assertEquals("", r.failure());
        assertEquals(hex("MD5", content), r.md5());
        assertEquals(hex("SHA-1", content), r.sha1());
        assertEquals(hex("SHA-256", content), r.sha256());
    }

    private static void assertFailed(String reason, Result r) {
        assertEquals(State.FAILED, r.state());
        assertEquals(-1, r.hashed());
        assertEquals(reason, r.failure());
        assertEquals("", r.md5());
        assertEquals("", r.sha1());
        assertEquals("", r.sha256());
    }

    private static long counter(FileHasher h, String name) {
        return h.counters().get(name);
    }

    @Test
    void knownContentIsHashed() throws Exception {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        // Bigger than the 64 KiB buffer, so several reads feed the same digests.
        byte[] big = new byte[200_000];
        new Random(42).nextBytes(big);
        Path small = Files.write(dir.resolve("abc"), abc);
        Path large = Files.write(dir.resolve("big"), big);
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            Result r = hash(h, small);
            assertEquals("900150983cd24fb0d6963f7d28e17f72", r.md5());
            assertDigests(abc, r);
            assertDigests(big, hash(h, large));
            assertEquals(abc.length + big.length, counter(h, "hash_bytes_read"));
            assertEquals(2, counter(h, "hash_done"));
        }
    }

    @Test
    void emptyFileIsHashed() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty"));
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            Result r = hash(h, empty);
            assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", r.sha256());
            assertDigests(new byte[0], r);
        }
    }

    @Test
    void unchangedFileComesFromTheCacheAndAChangedOneDoesNot() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "first");
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            assertDigests("first".getBytes(StandardCharsets.UTF_8), hash(h, f));
            assertEquals(0, counter(h, "hash_cache_hits"));
            assertDigests("first".getBytes(StandardCharsets.UTF_8), hash(h, f));
            assertEquals(1, counter(h, "hash_cache_hits"));
            assertEquals(5, counter(h, "hash_bytes_read"));

            // New size and a different mtime, so the key differs whatever the clock's grain.
            FileTime before = Files.getLastModifiedTime(f);
            Files.writeString(f, "second!");
            Files.setLastModifiedTime(f, FileTime.fromMillis(before.toMillis() + 5_000));
            assertDigests("second!".getBytes(StandardCharsets.UTF_8), hash(h, f));
            assertEquals(1, counter(h, "hash_cache_hits"));
            assertEquals(12, counter(h, "hash_bytes_read"));
        }
    }

    @Test
    void filesOverTheCapAreNotRead() throws Exception {
        Path fits = Files.write(dir.resolve("fits"), new byte[16]);
        Path over = Files.write(dir.resolve("over"), new byte[17]);
        try (FileHasher h = new FileHasher(16, 16, 16)) {
            assertDigests(new byte[16], hash(h, fits));
            assertFailed("larger than 16 bytes", hash(h, over));
            assertEquals(16, counter(h, "hash_bytes_read"));
        }
    }

    @Test
    void missingFileIsGone() throws Exception {
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            assertFailed("gone", hash(h, dir.resolve("nope")));
            assertFailed("gone", hash(h, dir.resolve("no-dir/nope")));
            assertEquals(2, counter(h, "hash_failed"));
        }
    }

    @Test
    void directoriesAndSymlinksAreNotRegularFiles() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path target = Files.writeString(dir.resolve("target"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("absent"));
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            assertFailed("not a regular file", hash(h, sub));
            assertFailed("not a regular file", hash(h, link));
            assertFailed("not a regular file", hash(h, dangling));
        }
    }

    @Test
    void zeroMaxBytesDisablesHashingSynchronously() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        try (FileHasher h = new FileHasher(0, 16, 16)) {
            Result r = h.submit(bytes(f));
            assertFailed("hashing disabled", r); // no waiting: already final
            assertTrue(h.awaitIdle(WAIT));
            assertEquals(1, counter(h, "hash_requests"));
            assertEquals(1, counter(h, "hash_failed"));
            assertEquals(0, counter(h, "hash_bytes_read"));
        }
    }

    @Test
    void aFileSubmittedAgainBeforeItsTurnSharesTheQueuedRequest() throws Exception {
        byte[] content = new byte[(int) (8 * MIB)];
        new Random(2).nextBytes(content);
        Path busy = Files.write(dir.resolve("busy"), content);
        Path f = Files.writeString(dir.resolve("twice"), "same");
        try (FileHasher h = new FileHasher(16 * MIB, 16, 0)) {
            h.submit(bytes(busy)); // keeps the thread reading while the next two queue
            Result first = h.submit(bytes(f));
            Result second = h.submit(bytes(f));
            assertTrue(h.awaitIdle(WAIT));
            if (first == second) {
                assertEquals(1, counter(h, "hash_coalesced"));
            } else {
                // the thread took the first before the second came: both hashed on their own
                assertEquals(0, counter(h, "hash_coalesced"));
            }
            assertDigests("same".getBytes(java.nio.charset.StandardCharsets.UTF_8), second);
        }
    }

    @Test
    void aBurstOfWritesWithinTheSettleTimeIsHashedOnce() throws Exception {
        Path f = dir.resolve("burst");
        try (FileHasher h = new FileHasher(MIB, 16, 0, java.time.Duration.ofMillis(300))) {
            Files.writeString(f, "one");
            Result first = h.submit(bytes(f));
            Files.writeString(f, "two");
            Result second = h.submit(bytes(f));
            Files.writeString(f, "three");
            Result third = h.submit(bytes(f));
            assertTrue(h.awaitIdle(WAIT));
            assertTrue(first == second && second == third, "the later writes joined the first request");
            assertEquals(2, counter(h, "hash_coalesced"));
            assertDigests("three".getBytes(java.nio.charset.StandardCharsets.UTF_8), first);
        }
    }

    @Test
    void aFileReadLessThanAnIntervalAgoWaitsAndItsNextWritesJoin() throws Exception {
        Path f = dir.resolve("busy");
        try (FileHasher h = new FileHasher(MIB, 16, 0, Duration.ZERO, Duration.ofSeconds(2))) {
            Files.writeString(f, "one");
            Result first = h.submit(bytes(f));
            assertTrue(h.awaitIdle(WAIT));
            assertDigests("one".getBytes(StandardCharsets.UTF_8), first);
            // No settle: without the interval each of these would be read at once, apart.
            Files.writeString(f, "two");
            Result second = h.submit(bytes(f));
            Files.writeString(f, "three");
            Result third = h.submit(bytes(f));
            assertTrue(second == third, "read 2 s ago at most: the second write joined the first");
            Path other = dir.resolve("quiet");
            Files.writeString(other, "other");
            Result elsewhere = h.submit(bytes(other));
            assertTrue(h.awaitIdle(WAIT));
            assertDigests("three".getBytes(StandardCharsets.UTF_8), second);
            assertDigests("other".getBytes(StandardCharsets.UTF_8), elsewhere);
            assertEquals(1, counter(h, "hash_coalesced"));
        }
    }

    @Test
    void aCallerJoinsItsPreviousSlotWhileItWaitsAndNotOnceItIsTaken() throws Exception {
        Path f = dir.resolve("joined");
        try (FileHasher h = new FileHasher(MIB, 16, 0, java.time.Duration.ofMillis(300))) {
            FileHasher.Target target = FileHasher.target(bytes(f));
            Files.writeString(f, "one");
            Result first = h.submitChecked(target, null);
            Files.writeString(f, "two");
            Result second = h.submitChecked(target, first);
            assertTrue(first == second, "a write while the request waits joins it");
            assertTrue(h.awaitIdle(WAIT));
            assertDigests("two".getBytes(StandardCharsets.UTF_8), first);
            Files.writeString(f, "three");
            Result third = h.submitChecked(target, first);
            assertTrue(third != first, "a finished slot is not joined");
            assertTrue(h.awaitIdle(WAIT));
            assertDigests("three".getBytes(StandardCharsets.UTF_8), third);
            assertEquals(3, counter(h, "hash_requests"));
            assertEquals(1, counter(h, "hash_coalesced"));
        }
    }

    @Test
    void asciiAndNonAsciiNamesConvertToTheSamePathsAsBefore() {
        assertEquals(Path.of("/a b/c\nd"), FileHasher.toPath("/a b/c\nd".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Path.of("/a//b/"), FileHasher.toPath("/a//b/".getBytes(StandardCharsets.UTF_8)));
        assertEquals(null, FileHasher.toPath(new byte[] {'/', 'a', 0, 'b'}));
        assertEquals("no path", FileHasher.target(null).refusal());
        assertEquals("not an absolute path", FileHasher.target(new byte[] {'a'}).refusal());
    }

    @Test
    void overflowingTheQueueFailsAtOnceAndNothingStaysPending() throws Exception {
        // No cache and a big file: each accepted request costs the thread milliseconds,
        // while a submit costs microseconds, so a one-slot queue overflows.
        byte[] content = new byte[(int) (8 * MIB)];
        new Random(1).nextBytes(content);
        // Distinct files: requests for one file already queued would be joined, not queued.
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            files.add(Files.write(dir.resolve("big" + i), content));
        }
        try (FileHasher h = new FileHasher(16 * MIB, 1, 0)) {
            List<Result> results = new ArrayList<>();
            boolean sawFull = false;
            for (int i = 0; i < 10_000 && !sawFull; i++) {
                Result r = h.submit(bytes(files.get(i % files.size())));
                results.add(r);
                sawFull = "queue full".equals(r.failure());
                if (sawFull) {
                    assertFailed("queue full", r);
                }
            }
            assertTrue(sawFull, "no request was refused");
            assertTrue(h.awaitIdle(WAIT));
            for (Result r : results) {
                assertNotEquals(State.PENDING, r.state());
                if (r.state() == State.HASHED) {
                    assertDigests(content, r);
                }
            }
            assertTrue(counter(h, "hash_queue_full") >= 1);
            assertEquals(results.size(), counter(h, "hash_requests"));
            assertEquals(results.size(), counter(h, "hash_done") + counter(h, "hash_failed")
                    + counter(h, "hash_coalesced"));
        }
    }

    @Test
    void namesWithNewlinesAndSpacesAreHashed() throws Exception {
        byte[] content = "odd name".getBytes(StandardCharsets.UTF_8);
        Path f = Files.write(dir.resolve(" a b\nc  d "), content);
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            assertDigests(content, hash(h, f));
        }
    }

    @Test
    void badPathsFailWithoutThrowing() throws Exception {
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            assertFailed("no path", h.submit(null));
            assertFailed("not an absolute path", h.submit(new byte[0]));
            assertFailed("not an absolute path", h.submit("relative/file".getBytes(StandardCharsets.UTF_8)));
            assertFailed("path not representable", h.submit("/tmp/a\0b".getBytes(StandardCharsets.UTF_8)));
            assertEquals(4, counter(h, "hash_failed"));
        }
    }

    @Test
    void bytesTheFileSystemCharsetCannotRoundTripAreNotRepresentable() throws Exception {
        Charset jnu = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        assumeTrue(jnu.equals(StandardCharsets.UTF_8) || jnu.equals(StandardCharsets.US_ASCII),
                "file names mapped with " + jnu);
        byte[] latin1 = (dir + "/caf\u00e9").getBytes(StandardCharsets.ISO_8859_1); // 0xE9 alone
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            assertFailed("path not representable", h.submit(latin1));
        }
    }

    @Test
    void countersComeInAFixedOrderAndTheThreadIsANamedDaemon() throws Exception {
        try (FileHasher h = new FileHasher(MIB, 16, 16)) {
            assertEquals(List.of("hash_requests", "hash_cache_hits", "hash_done", "hash_failed",
                    "hash_queue_full", "hash_coalesced", "hash_bytes_read"), new ArrayList<>(h.counters().keySet()));
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().equals("vajra-hasher") && t.isDaemon()));
            assertTrue(h.awaitIdle(WAIT));
        }
    }

    @Test
    void closeFailsWhatIsLeftAndLaterSubmits() throws Exception {
        byte[] content = new byte[(int) (4 * MIB)];
        Path f = Files.write(dir.resolve("big"), content);
        FileHasher h = new FileHasher(16 * MIB, 64, 0);
        List<Result> queued = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            queued.add(h.submit(bytes(f)));
        }
        assertTimeoutPreemptively(WAIT, () -> {
            h.close();
            h.close(); // idempotent
        });
        assertTrue(h.awaitIdle(WAIT));
        for (Result r : queued) {
            if (r.state() == State.HASHED) {
                assertDigests(content, r);
            } else {
                assertFailed("closed", r);
            }
        }
        assertFailed("closed", h.submit(bytes(f)));
    }

    @Test
    void failedResultsCanBeMadeDirectly() {
        assertFailed("gone", Result.failed("gone"));
    }
}
