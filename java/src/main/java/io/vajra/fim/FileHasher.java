package io.vajra.fim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * md5, sha1 and sha256 of files named by FIM events, computed on one daemon thread
 * ("vajra-hasher") so the event-collection thread never reads file content. Bounded
 * everywhere: a fixed-size queue (overflow fails at once with "queue full"), a size cap per
 * file, and an LRU cache keyed by (dev, ino, mtime ns, size) so an unchanged file is read
 * once.
 *
 * <p>Paths arrive as the kernel's bytes. The JDK turns a file name string into bytes with
 * the {@code sun.jnu.encoding} charset (from the locale; UTF-8 under a UTF-8 locale), so a
 * path is accepted only when its bytes decode strictly in that charset and encode back to
 * the very same bytes; anything else (e.g. Latin-1 bytes under a UTF-8 locale, or any
 * non-ASCII byte under the C locale) is FAILED "path not representable" rather than
 * silently hashing some other file.
 */
public final class FileHasher implements AutoCloseable {
    /** Result of hashing one file. state: HASHED (hex digests set), FAILED (digests empty strings, reason set), PENDING (not done yet). */
    public enum State { PENDING, HASHED, FAILED }

    /** A mutable, thread-safe slot a row holds; filled once by the hasher thread. */
    public static final class Result {
        private static final Outcome NOT_YET = new Outcome(State.PENDING, "", "", "", "");

        // One immutable snapshot behind one volatile field: a reader never sees a state
        // without the digests that go with it.
        private volatile Outcome outcome = NOT_YET;
        /** Set by the hasher thread before it reads the file: later writes no longer join. */
        private volatile boolean taken;

        private Result() {}

        public State state() {
            return outcome.state();
        }

        public String md5() {
            return outcome.md5();
        }

        public String sha1() {
            return outcome.sha1();
        }

        public String sha256() {
            return outcome.sha256();
        }

        /** "" unless FAILED: a short reason such as "gone" or "queue full". */
        public String failure() {
            return outcome.failure();
        }

        /** osquery's hashed column: 1 HASHED, -1 FAILED, 0 PENDING. */
        public int hashed() {
            return switch (outcome.state()) {
                case HASHED -> 1;
                case FAILED -> -1;
                case PENDING -> 0;
            };
        }

        /** A finished FAILED result. */
        public static Result failed(String reason) {
            Result r = new Result();
            r.fill(FileHasher.failure(reason));
            return r;
        }

        /** Sets the outcome unless one is set already; true when this call set it. */
        private synchronized boolean fill(Outcome o) {
            if (outcome.state() != State.PENDING) {
                return false;
            }
            outcome = o;
            return true;
        }
    }

    private record Outcome(State state, String md5, String sha1, String sha256, String failure) {}

    /** dueNanos: when the file may be read (settle, or the file's own interval). The queue
     *  hands requests out in due order, so a busy file's wait does not hold up the others. */
    private record Request(long seq, Path path, Result result, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Request o = (Request) other;
            int byDue = Long.compare(dueNanos, o.dueNanos);
            return byDue != 0 ? byDue : Long.compare(seq, o.seq);
        }
    }

    /** fileKey: the file system's identity of the file (device and inode on Linux). */
    private record Key(Object fileKey, long mtimeNanos, long size) {}

    private record Digests(String md5, String sha1, String sha256) {}

    /** What one stat says; the key is what the cache and the change check compare. */
    private record Stat(boolean regular, Key key) {}

    private static final int BUFFER_BYTES = 64 * 1024;
    private static final Duration CLOSE_JOIN = Duration.ofSeconds(1);
    private static final Charset PATH_CHARSET = pathCharset();
    /** Whether the path charset turns bytes 1..127 into the same chars and back (UTF-8 and most do). */
    private static final boolean ASCII_ROUND_TRIPS = asciiRoundTrips(PATH_CHARSET);

    private final long maxBytes;
    private final long settleNanos;
    private final long intervalNanos;
    // Guarded by lock: when each recently hashed file was last read (the hasher sets it), so
    // that a file written without pause is read at most once per interval.
    private final Map<Path, Long> lastRead;
    private final DelayQueue<Request> queue = new DelayQueue<>(); // at most queueCapacity, under lock
    private final int queueCapacity;
    private final Map<Key, Digests> cache; // touched by the hasher thread only
    private final Thread thread;           // null when hashing is disabled
    // Guarded by lock: requests queued and not yet taken, by path. A file written again
    // before its hash was computed shares that request: one read serves both rows, which
    // both show the content as it was when hashed (a write storm costs one hash per file).
    private final Map<Path, Result> waiting = new java.util.HashMap<>();
    private final java.util.concurrent.atomic.LongAdder coalesced = new java.util.concurrent.atomic.LongAdder();

    // Guarded by lock: sequence numbers of accepted requests not finished yet, so awaitIdle
    // can wait for exactly the requests before it even when close finishes some out of order.
    private final Object lock = new Object();
    private final TreeSet<Long> unfinished = new TreeSet<>();
    private long lastSeq;
    private boolean closed;

    private final LongAdder requests = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder done = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder queueFull = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();

    // Hasher-thread state, reused across files.
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    private final MessageDigest md5 = digest("MD5");
    private final MessageDigest sha1 = digest("SHA-1");
    private final MessageDigest sha256 = digest("SHA-256");

    /**
     * @param maxBytes files larger than this are not hashed (FAILED "larger than N bytes");
     *                 0 disables hashing entirely (every request FAILED "hashing disabled",
     *                 synchronously, and no thread is started)
     * @param queueCapacity most requests waiting; beyond it a request is FAILED "queue full" at once
     * @param cacheEntries LRU cache size keyed by (dev, ino, mtimeNanos, size); 0 for no cache
     */
    public FileHasher(long maxBytes, int queueCapacity, int cacheEntries) {
        this(maxBytes, queueCapacity, cacheEntries, Duration.ZERO);
    }

    /**
     * As above; each request waits {@code settle} after it was queued before the file is
     * read, so that the writes of a burst join it (see {@link #submit}) and one read
     * serves them all.
     */
    public FileHasher(long maxBytes, int queueCapacity, int cacheEntries, Duration settle) {
        this(maxBytes, queueCapacity, cacheEntries, settle, Duration.ZERO);
    }

    /**
     * As above; besides, a file is read at most once per {@code interval}: a request for a
     * file read less than that ago waits until the interval is over, and the writes made
     * meanwhile join it. A file rewritten without pause (a busy state file) then costs a few
     * reads a second instead of one per settle time; its rows share the hash of the content
     * at the end of each interval.
     */
    public FileHasher(long maxBytes, int queueCapacity, int cacheEntries, Duration settle, Duration interval) {
        if (maxBytes < 0 || queueCapacity < 1 || cacheEntries < 0 || settle.isNegative() || interval.isNegative()) {
            throw new IllegalArgumentException(
                    "maxBytes >= 0, queueCapacity >= 1, cacheEntries >= 0, settle >= 0, interval >= 0 required");
        }
        this.maxBytes = maxBytes;
        this.settleNanos = settle.toNanos();
        this.intervalNanos = interval.toNanos();
        this.lastRead = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Path, Long> eldest) {
                return size() > queueCapacity;
            }
        };
        this.queueCapacity = queueCapacity;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Digests> eldest) {
                return size() > cacheEntries;
            }
        };
        if (maxBytes == 0) {
            this.thread = null;
        } else {
            this.thread = new Thread(this::run, "vajra-hasher");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /**
     * A file name checked once for {@link #submitChecked}: the Path to read, or why there is
     * none. Callers that see the same name again keep it rather than convert it each time.
     */
    record Target(Path path, String refusal) {}

    /** The Target for these bytes (see {@link #submit(byte[])} for what is refused). */
    static Target target(byte[] absolutePath) {
        if (absolutePath == null) {
            return new Target(null, "no path");
        }
        if (absolutePath.length == 0 || absolutePath[0] != '/') {
            return new Target(null, "not an absolute path");
        }
        Path path = toPath(absolutePath);
        return path == null ? new Target(null, "path not representable") : new Target(path, null);
    }

    /**
     * Queues hashing of the regular file at {@code absolutePath} and returns its slot at once.
     * Never throws: a null, relative or unrepresentable path, a full queue, disabled hashing
     * or a closed hasher all give a finished FAILED result.
     */
    public Result submit(byte[] absolutePath) {
        if (thread == null) {
            requests.increment();
            return rejected("hashing disabled"); // no need to look at the path
        }
        return submitChecked(target(absolutePath));
    }

    /**
     * As {@link #submitChecked(Target)}, but first joins {@code previous} (the slot this caller
     * got for the same name last time) while it still waits in the queue, without the lock: the
     * file is read after the hasher marks it taken, so after the write this request is for.
     */
    Result submitChecked(Target target, Result previous) {
        if (previous != null && !previous.taken && previous.state() == State.PENDING) {
            requests.increment();
            coalesced.increment();
            return previous;
        }
        return submitChecked(target);
    }

    /** As {@link #submit(byte[])}, for a name already checked. */
    Result submitChecked(Target target) {
        requests.increment();
        if (thread == null) {
            return rejected("hashing disabled");
        }
        if (target.refusal() != null) {
            return rejected(target.refusal());
        }
        Path path = target.path();
        Result result = new Result();
        synchronized (lock) {
            if (closed) {
                return rejected("closed");
            }
            Result queued = waiting.get(path);
            if (queued != null) {
                coalesced.increment();
                return queued;
            }
            long due = System.nanoTime() + settleNanos;
            Long read = intervalNanos > 0 ? lastRead.get(path) : null;
            if (read != null && read + intervalNanos > due) {
                due = read + intervalNanos;
            }
            // Offer and bookkeeping under one lock, so close never misses a queued request.
            if (queue.size() >= queueCapacity) {
                queueFull.increment();
                return rejected("queue full");
            }
            queue.add(new Request(lastSeq + 1, path, result, due));
            lastSeq++;
            unfinished.add(lastSeq);
            waiting.put(path, result);
        }
        return result;
    }

    /**
     * Counters for the stats table, in a fixed order. hash_done and hash_failed count finished
     * requests (cache hits are done; synchronous refusals such as "queue full" are failed), so
     * hash_requests = hash_done + hash_failed + those still pending.
     */
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("hash_requests", requests.sum());
        out.put("hash_cache_hits", cacheHits.sum());
        out.put("hash_done", done.sum());
        out.put("hash_failed", failed.sum());
        out.put("hash_queue_full", queueFull.sum());
        out.put("hash_coalesced", coalesced.sum());
        out.put("hash_bytes_read", bytesRead.sum());
        return out;
    }

    /** Blocks until every request submitted before the call is finished, or the timeout passes; returns whether all finished. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            long target = lastSeq;
            while (!unfinished.isEmpty() && unfinished.first() <= target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /**
     * Stops the thread; queued requests become FAILED "closed", and so does the one being read
     * if the interrupt reaches it. Waits at most a second for the thread. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (thread == null) {
            return;
        }
        thread.interrupt();
        failQueued();
        try {
            thread.join(CLOSE_JOIN.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- hasher thread ----

    private void run() {
        while (!isClosed()) {
            Request request;
            try {
                request = queue.take();
            } catch (InterruptedException e) {
                continue; // only close interrupts on purpose; the loop condition decides
            }
            synchronized (lock) {
                waiting.remove(request.path(), request.result());
                request.result().taken = true;
                if (intervalNanos > 0) {
                    lastRead.put(request.path(), System.nanoTime());
                }
            }
            Outcome outcome;
            try {
                outcome = hash(request.path());
            } catch (Throwable t) {
                // One bad file (or a bug) must not stop hashing for everyone else.
                outcome = failure(isClosed() ? "closed" : "internal error: " + t.getClass().getSimpleName());
            }
            finish(request, outcome);
        }
        failQueued();
    }

    private Outcome hash(Path path) {
        try {
            // Stat, read, stat again: a file rewritten meanwhile gets one more try.
            for (int attempt = 0; attempt < 2; attempt++) {
                Stat before = stat(path);
                if (!before.regular()) {
                    return failure("not a regular file");
                }
                if (before.key().size() > maxBytes) {
                    return tooLarge();
                }
                Digests cached = cache.get(before.key());
                if (cached != null) {
                    cacheHits.increment();
                    return hashed(cached);
                }
                Digests digests = read(path);
                Stat after = stat(path);
                if (after.regular() && after.key().equals(before.key())) {
                    if (digests == null) {
                        return tooLarge(); // more content than the size said, e.g. /proc
                    }
                    cache.put(after.key(), digests);
                    return hashed(digests);
                }
            }
            return failure("changing while hashed");
        } catch (NoSuchFileException e) {
            return failure("gone");
        } catch (AccessDeniedException e) {
            return failure("permission denied");
        } catch (ClosedByInterruptException e) {
            return failure(isClosed() ? "closed" : "interrupted");
        } catch (FileSystemException e) {
            // ELOOP here means the name became a symlink after the stat.
            return failure(e.getReason() == null ? "io error" : "io error: " + e.getReason());
        } catch (IOException e) {
            return failure("io error");
        }
    }

    private static Stat stat(Path path) throws IOException {
        // The typed view, not "unix:dev,ino,...": the named-attribute path parses its
        // string on every call and took C2 over a second of CPU to compile.
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Key key = new Key(a.fileKey(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.size());
        return new Stat(a.isRegularFile(), key);
    }

    /** All three digests in one pass; null when the file holds more than maxBytes. */
    private Digests read(Path path) throws IOException {
        md5.reset();
        sha1.reset();
        sha256.reset();
        long total = 0;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                buffer.clear();
                int n = ch.read(buffer);
                if (n < 0) {
                    break;
                }
                total += n;
                bytesRead.add(n);
                if (total > maxBytes) {
                    return null;
                }
                md5.update(buffer.array(), 0, n);
                sha1.update(buffer.array(), 0, n);
                sha256.update(buffer.array(), 0, n);
            }
        }
        HexFormat hex = HexFormat.of();
        return new Digests(hex.formatHex(md5.digest()), hex.formatHex(sha1.digest()), hex.formatHex(sha256.digest()));
    }

    private static Outcome failure(String reason) {
        return new Outcome(State.FAILED, "", "", "", reason == null || reason.isEmpty() ? "unknown" : reason);
    }

    private Outcome tooLarge() {
        return failure("larger than " + maxBytes + " bytes");
    }

    private static Outcome hashed(Digests d) {
        return new Outcome(State.HASHED, d.md5(), d.sha1(), d.sha256(), "");
    }

    // ---- bookkeeping ----

    private void finish(Request request, Outcome outcome) {
        if (!request.result().fill(outcome)) {
            return; // already finished (by close)
        }
        (outcome.state() == State.HASHED ? done : failed).increment();
        synchronized (lock) {
            unfinished.remove(request.seq());
            lock.notifyAll();
        }
    }

    private void failQueued() {
        Request[] left;
        synchronized (lock) {
            left = queue.toArray(new Request[0]); // due or not
            queue.clear();
        }
        for (Request r : left) {
            finish(r, failure("closed"));
        }
    }

    private Result rejected(String reason) {
        failed.increment();
        return Result.failed(reason);
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    // ---- paths ----

    /** The path for these exact bytes, or null when the JDK cannot name it (see the class comment). */
    static Path toPath(byte[] bytes) {
        boolean ascii = true;
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
            ascii &= b > 0;
        }
        try {
            if (ascii && ASCII_ROUND_TRIPS) {
                // The common case, without a decoder and an encoder per name.
                return Path.of(new String(bytes, StandardCharsets.ISO_8859_1));
            }
            CharBuffer chars = PATH_CHARSET.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            ByteBuffer back = PATH_CHARSET.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(chars.duplicate());
            byte[] again = Arrays.copyOfRange(back.array(), back.arrayOffset() + back.position(),
                    back.arrayOffset() + back.limit());
            if (!Arrays.equals(again, bytes)) {
                return null;
            }
            return Path.of(chars.toString());
        } catch (CharacterCodingException | InvalidPathException e) {
            return null;
        }
    }

    private static boolean asciiRoundTrips(Charset charset) {
        byte[] ascii = new byte[127];
        for (int i = 0; i < ascii.length; i++) {
            ascii[i] = (byte) (i + 1);
        }
        try {
            String text = new String(ascii, charset);
            return text.equals(new String(ascii, StandardCharsets.ISO_8859_1))
                    && Arrays.equals(text.getBytes(charset), ascii);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The charset the JDK uses for file names on this platform. */
    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every JDK", e);
        }
    }
}
