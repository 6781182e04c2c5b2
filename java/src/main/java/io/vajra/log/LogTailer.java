package io.vajra.log;

import io.vajra.event.EventStore;
import io.vajra.fim.WatchSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Follows the files of the configured log sources and turns what is appended into
 * {@link LogLine} rows, each attributed to the process whose write put its first byte there
 * ({@link WriteLedger}). Survives what logs do: rotation by rename (the old file is drained
 * through the descriptor kept open, the new one picked up), copytruncate (reading starts
 * again at 0), deletion and re-creation, files appearing later under a glob, partial lines
 * (emitted once complete, or after a quiet period), very long lines (cut, flagged), any
 * bytes.
 *
 * <p>Bounded: a file read at most {@link #CHUNKS_PER_ROUND} chunks of {@link #CHUNK_BYTES}
 * per round, a line at most its
 * source's max_line_bytes; a file that runs more than {@link #MAX_LAG_BYTES} ahead of the
 * reader is skipped forward and the skipped bytes counted as lost.
 *
 * <p>Threading: {@link #round} on the tailer's thread only (see {@link LogService});
 * counters from any thread.
 */
public final class LogTailer {
    static final int CHUNK_BYTES = 1 << 20;
    /** Chunks one file may take per round (a round every 100 ms: up to 160 MiB/s a file). */
    static final int CHUNKS_PER_ROUND = 16;
    static final long MAX_LAG_BYTES = 64L << 20;
    /** Existing content up to this size is read once to number lines from the file's start. */
    static final long COUNT_LINES_UP_TO = 64L << 20;
    /** How long a line waits for its write record before it goes out unattributed. */
    static final long ATTRIBUTION_GRACE_NANOS = 300_000_000L;
    /** How long a line without a newline waits for the rest before it goes out. */
    static final long QUIET_NANOS = 2_000_000_000L;
    static final long RESCAN_NANOS = 1_000_000_000L;

    private final EventStore<LogLine> store;
    private final WriteLedger ledger;
    private final Consumer<String> log;
    private final Map<WriteLedger.FileKey, Tail> tails = new LinkedHashMap<>();
    private final Set<String> unreadable = new HashSet<>();
    private List<LogSource> sources = List.of();
    private final Set<LogSource> scannedOnce = new HashSet<>();
    private long lastScan;
    private boolean writesTraced;
    private final List<LogLine> pending = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES);

    private final LongAdder lines = new LongAdder();
    private final LongAdder unattributed = new LongAdder();
    private final LongAdder truncatedLines = new LongAdder();
    private final LongAdder skippedBytes = new LongAdder();
    private final LongAdder skippedLines = new LongAdder();
    private final LongAdder rotations = new LongAdder();
    private final LongAdder truncations = new LongAdder();
    private final LongAdder filtered = new LongAdder();
    private volatile int filesTailed;
    private volatile int filesUnreadable;

    /** One followed file. */
    private static final class Tail {
        final WriteLedger.FileKey key;
        final LogSource source;
        byte[] path;
        FileChannel channel;
        long offset;               // next byte to read
        long lineNumber;           // number of the next line, -1 unknown
        byte[] partial = new byte[0]; // start of a line whose newline has not come
        long partialStart;
        boolean partialCut;        // the partial line already passed max_line_bytes
        long partialSince;         // when the partial line last grew
        long heldSince;            // when a line first waited for its write record
        long untracedBelow;        // content already there at the first look: no write record will come
        boolean detached;          // its path names another file now: drain, then close
        long lastGrowth;

        /** Where the first byte not yet emitted lies. */
        long partialOrOffset() {
            return partial.length > 0 || partialCut ? partialStart : offset;
        }

        Tail(WriteLedger.FileKey key, LogSource source, byte[] path) {
            this.key = key;
            this.source = source;
            this.path = path;
        }
    }

    public LogTailer(EventStore<LogLine> store, WriteLedger ledger, Consumer<String> log) {
        this.store = store;
        this.ledger = ledger;
        this.log = log;
    }

    /** The sources to follow from now on; {@code writesTraced}: whether write records come. */
    void configure(List<LogSource> next, boolean writesTraced) {
        if (!next.equals(sources)) {
            // Files of sources that stay are followed on from where they were.
            Set<LogSource> kept = new HashSet<>(next);
            tails.values().removeIf(tail -> {
                if (kept.contains(tail.source)) {
                    return false;
                }
                close(tail);
                return true;
            });
            scannedOnce.retainAll(kept);
            sources = List.copyOf(next);
            lastScan = 0;
        }
        this.writesTraced = writesTraced;
    }

    /** The directories whose files' writes the kernel should report, as (ino, dev) pairs. */
    static long[] directoriesOf(List<LogSource> sources) {
        Set<WatchSet.Key> keys = new java.util.LinkedHashSet<>();
        for (LogSource source : sources) {
            for (Path dir : candidateDirectories(source)) {
                WatchSet.Key key = WatchSet.FILE_SYSTEM.directory(dir);
                if (key != null) {
                    keys.add(key);
                }
            }
        }
        long[] out = new long[keys.size() * 2];
        int i = 0;
        for (WatchSet.Key key : keys) {
            out[i++] = key.ino();
            out[i++] = Integer.toUnsignedLong(key.dev());
        }
        return out;
    }

    /** The glob's fixed directory and, for globs across directories, those below it. */
    private static List<Path> candidateDirectories(LogSource source) {
        List<Path> out = new ArrayList<>();
        Path top = source.fixedDirectory();
        out.add(top);
        if (source.spansDirectories()) {
            try (var walk = Files.walk(top, 8)) {
                walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).limit(4096).forEach(out::add);
            } catch (IOException | RuntimeException e) {
                // unreadable: its files are reported as such when found
            }
        }
        return out;
    }

    /** One round: rescan the globs when due, then read what every file gained. */
    void round(long now) {
        if (now - lastScan >= RESCAN_NANOS || lastScan == 0) {
            lastScan = now;
            scan(now);
        }
        for (Tail tail : new ArrayList<>(tails.values())) {
            read(tail, now);
        }
        if (!pending.isEmpty()) {
            store.appendAll(pending);
            lines.add(pending.size());
            pending.clear();
        }
        filesTailed = tails.size();
    }

    private void scan(long now) {
        Map<WriteLedger.FileKey, byte[]> seen = new HashMap<>();
        Set<String> unreadableNow = new HashSet<>();
        for (LogSource source : sources) {
            boolean first = scannedOnce.add(source);
            for (Path file : matches(source)) {
                byte[] pathBytes = file.toString().getBytes(StandardCharsets.UTF_8);
                WriteLedger.FileKey key = fileKey(file);
                if (key == null) {
                    continue; // gone, or not a regular file
                }
                seen.put(key, pathBytes);
                Tail tail = tails.get(key);
                if (tail != null) {
                    tail.path = pathBytes;
                    tail.detached = false;
                    continue;
                }
                tail = new Tail(key, source, pathBytes);
                try {
                    tail.channel = FileChannel.open(file, StandardOpenOption.READ);
                } catch (AccessDeniedException e) {
                    unreadableNow.add(file.toString());
                    continue;
                } catch (IOException | RuntimeException e) {
                    unreadableNow.add(file.toString());
                    continue;
                }
                // Files there at the source's first look start at its start position; files
                // that appear later (a rotation's new file) are read from their beginning.
                boolean fromEnd = first && source.start() == LogSource.Start.END;
                start(tail, fromEnd, first);
                tails.put(key, tail);
            }
        }
        for (String path : unreadableNow) {
            if (unreadable.add(path)) {
                log.accept("log file " + path + " cannot be read: permission denied or gone");
            }
        }
        unreadable.retainAll(unreadableNow);
        filesUnreadable = unreadable.size();
        for (Tail tail : tails.values()) {
            if (!seen.containsKey(tail.key) && !tail.detached) {
                tail.detached = true; // renamed away or deleted: drain what is left
                rotations.increment();
            }
        }
        ledger.retainOnly(tails.keySet());
    }

    private void start(Tail tail, boolean fromEnd, boolean firstLook) {
        try {
            long size = tail.channel.size();
            tail.offset = fromEnd ? size : 0;
            // What a source's first look finds was written before anyone traced it.
            tail.untracedBelow = firstLook ? size : 0;
            tail.lineNumber = fromEnd ? countLines(tail.channel, size) : 1;
            ledger.consumedUpTo(tail.key, tail.offset); // writes before the start are not ours to report
        } catch (IOException e) {
            tail.offset = 0;
            tail.lineNumber = -1;
        }
        tail.lastGrowth = System.nanoTime();
    }

    /** 1 + the newlines in the first {@code size} bytes, or -1 when too much to count. */
    private long countLines(FileChannel channel, long size) {
        return size > COUNT_LINES_UP_TO ? -1 : countNewlines(channel, 0, size) + 1;
    }

    /** Newlines in [from, to) of the file; what cannot be read counts none. */
    private long countNewlines(FileChannel channel, long from, long to) {
        long newlines = 0;
        long at = from;
        try {
            while (at < to) {
                buffer.clear();
                buffer.limit((int) Math.min(buffer.capacity(), to - at));
                int n = channel.read(buffer, at);
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (buffer.get(i) == '\n') {
                        newlines++;
                    }
                }
                at += n;
            }
        } catch (IOException e) {
            // counted what could be read
        }
        return newlines;
    }

    private void read(Tail tail, long now) {
        long size;
        try {
            size = tail.channel.size();
        } catch (IOException e) {
            close(tail);
            tails.remove(tail.key);
            return;
        }
        if (size < tail.offset || (writesTraced && ledger.rewritten(tail.key))) {
            // copytruncate: the file was emptied (and maybe written again) under us.
            truncations.increment();
            ledger.truncated(tail.key, size);
            tail.offset = 0;
            tail.lineNumber = 1;
            tail.partial = new byte[0];
            tail.partialCut = false;
        }
        if (size - tail.offset > MAX_LAG_BYTES) {
            // Too far behind: jump ahead, counting the lines jumped over (a newline scan
            // costs far less than making rows of them).
            long skip = size - tail.offset - MAX_LAG_BYTES;
            long skippedNewlines = countNewlines(tail.channel, tail.offset, tail.offset + skip);
            skippedBytes.add(skip);
            skippedLines.add(skippedNewlines);
            tail.offset += skip;
            tail.lineNumber = tail.lineNumber > 0 ? tail.lineNumber + skippedNewlines : -1;
            tail.partial = new byte[0];
            tail.partialCut = false;
        }
        if (size > tail.offset) {
            tail.lastGrowth = now;
            // Up to CHUNKS_PER_ROUND chunks, until caught up or a line waits for its writer.
            for (int chunk = 0; chunk < CHUNKS_PER_ROUND && tail.offset < size; chunk++) {
                long before = tail.offset;
                readChunk(tail, now);
                if (tail.offset == before) {
                    break;
                }
            }
        } else {
            flushQuietPartial(tail, now);
            if (tail.detached && now - tail.lastGrowth > QUIET_NANOS) {
                close(tail);
                tails.remove(tail.key);
            }
        }
        ledger.consumedUpTo(tail.key, tail.partialOrOffset());
    }

    private void readChunk(Tail tail, long now) {
        buffer.clear();
        int n;
        try {
            n = tail.channel.read(buffer, tail.offset);
        } catch (IOException e) {
            return;
        }
        if (n <= 0) {
            return;
        }
        int lineStart = 0;
        for (int i = 0; i < n; i++) {
            if (buffer.get(i) != '\n') {
                continue;
            }
            long start = tail.partial.length > 0 || tail.partialCut ? tail.partialStart : tail.offset + lineStart;
            if (!attributable(tail, start, now)) {
                // its write record may still be on its way: read again from here next round
                consume(tail, lineStart);
                return;
            }
            emit(tail, start, join(tail, lineStart, i), tail.partialCut || tooLong(tail, lineStart, i), false, now);
            tail.partial = new byte[0];
            tail.partialCut = false;
            lineStart = i + 1;
        }
        // The rest has no newline yet: keep it (at most max_line_bytes) for later.
        if (lineStart < n) {
            if (tail.partial.length == 0 && !tail.partialCut) {
                tail.partialStart = tail.offset + lineStart;
            }
            tail.partial = join(tail, lineStart, n);
            tail.partialCut |= tooLong(tail, lineStart, n);
            tail.partialSince = now;
        }
        tail.offset += n;
        tail.heldSince = 0;
    }

    /** Moves the read position to {@code upTo} within the chunk just read. */
    private static void consume(Tail tail, int upTo) {
        tail.offset += upTo;
    }

    private boolean attributable(Tail tail, long start, long now) {
        if (!writesTraced || start < tail.untracedBelow || ledger.writerOf(tail.key, start) != null) {
            tail.heldSince = 0;
            return true;
        }
        if (tail.heldSince == 0) {
            tail.heldSince = now;
        }
        return now - tail.heldSince >= ATTRIBUTION_GRACE_NANOS;
    }

    /** The partial line so far plus buffer[from, to), cut at the source's max_line_bytes. */
    private byte[] join(Tail tail, int from, int to) {
        int max = tail.source.maxLineBytes();
        int room = Math.max(0, max - tail.partial.length);
        int take = Math.min(room, to - from);
        byte[] out = new byte[tail.partial.length + take];
        System.arraycopy(tail.partial, 0, out, 0, tail.partial.length);
        buffer.get(from, out, tail.partial.length, take);
        return out;
    }

    private boolean tooLong(Tail tail, int from, int to) {
        return tail.partial.length + (to - from) > tail.source.maxLineBytes();
    }

    private void flushQuietPartial(Tail tail, long now) {
        if ((tail.partial.length > 0 || tail.partialCut) && now - tail.partialSince >= QUIET_NANOS) {
            emit(tail, tail.partialStart, tail.partial, tail.partialCut, true, now);
            tail.partial = new byte[0];
            tail.partialCut = false;
        }
    }

    private void emit(Tail tail, long start, byte[] line, boolean cut, boolean incomplete, long now) {
        long number = tail.lineNumber;
        if (tail.lineNumber > 0 && !incomplete) {
            tail.lineNumber++;
        }
        if (!tail.source.accepts(line)) {
            filtered.increment();
            return;
        }
        WriteLedger.Writer writer = ledger.writerOf(tail.key, start);
        if (writer == null) {
            unattributed.increment();
        }
        if (cut) {
            truncatedLines.increment();
        }
        long when = writer != null ? writer.event().unixNanos() : System.currentTimeMillis() * 1_000_000L;
        pending.add(new LogLine(tail.path, tail.source.category(), line, start, number, tail.key.dev(),
                tail.key.ino(), when, writer, cut, incomplete));
    }

    private static void close(Tail tail) {
        try {
            if (tail.channel != null) {
                tail.channel.close();
            }
        } catch (IOException ignored) {
            // a read-only descriptor: nothing to lose
        }
    }

    void closeAll() {
        for (Tail tail : tails.values()) {
            close(tail);
        }
        tails.clear();
    }

    /** Files of {@code source} that exist now (regular files, the glob matched on the path). */
    private static List<Path> matches(LogSource source) {
        List<Path> out = new ArrayList<>();
        for (Path dir : candidateDirectories(source)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    if (source.matches(entry) && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                        out.add(entry);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone or unreadable directory
            }
            if (!source.spansDirectories()) {
                break;
            }
        }
        return out;
    }

    private static WriteLedger.FileKey fileKey(Path file) {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,mode", LinkOption.NOFOLLOW_LINKS);
            if (((Integer) a.get("mode") & 0170000) != 0100000) {
                return null;
            }
            return new WriteLedger.FileKey(WatchSet.kernelDev((Long) a.get("dev")), (Long) a.get("ino"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** For the stats table. */
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("log_files_tailed", (long) filesTailed);
        out.put("log_files_unreadable", (long) filesUnreadable);
        out.put("log_lines", lines.sum());
        out.put("log_lines_unattributed", unattributed.sum());
        out.put("log_lines_truncated", truncatedLines.sum());
        out.put("log_lines_filtered", filtered.sum());
        out.put("log_bytes_skipped", skippedBytes.sum());
        out.put("log_lines_skipped", skippedLines.sum());
        out.put("log_rotations", rotations.sum());
        out.put("log_truncations", truncations.sum());
        out.put("log_writes", ledger.writes());
        out.put("log_write_ranges_dropped", ledger.dropped());
        return out;
    }
}
