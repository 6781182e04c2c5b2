package io.vajra.log;

import io.vajra.event.WriteEvent;
import io.vajra.event.WriteEventSink;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who wrote which bytes of each file in a watched log directory, as the kernel reported it:
 * the tailer asks it for the writer of a line's first byte. Bounded: at most
 * {@link #MAX_RANGES_PER_FILE} ranges per file (the oldest go first, counted), and ranges
 * below what the tailer has read are pruned as it goes.
 *
 * <p>Threading: {@link #accept} on the collector thread, the rest on the tailer's.
 */
public final class WriteLedger implements WriteEventSink {
    static final int MAX_RANGES_PER_FILE = 65_536;
    /** Files with ranges at once; untailed files (other logs in the same directory) are
     *  dropped at each rescan, this bounds them in between. */
    static final int MAX_FILES = 4096;

    /** A file, as the kernel names it. */
    public record FileKey(int dev, long ino) {}

    /** One write: bytes [offset, end) by this process. */
    public record Writer(WriteEvent event, long end, byte[] processPath, byte[] processArgv) {}

    private final Map<FileKey, TreeMap<Long, Writer>> byFile = new ConcurrentHashMap<>();
    /** How far the tailer has read each file; a write below it means the file was rewritten. */
    private final Map<FileKey, Long> consumed = new ConcurrentHashMap<>();
    private final Set<FileKey> rewritten = ConcurrentHashMap.newKeySet();
    private final LongAdder writes = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    @Override
    public void accept(WriteEvent e, byte[] processPath, byte[] processArgv) {
        writes.increment();
        FileKey key = new FileKey(e.dev(), e.ino());
        if (byFile.size() >= MAX_FILES && !byFile.containsKey(key)) {
            dropped.increment();
            return;
        }
        Long read = consumed.get(key);
        if (read != null && e.offset() < read) {
            rewritten.add(key); // appends never land below what was read: truncated and written again
        }
        TreeMap<Long, Writer> ranges = byFile.computeIfAbsent(key, k -> new TreeMap<>());
        synchronized (ranges) {
            // A logger appending line after line makes one range, not one per write: a write
            // that continues the same thread's previous one (within MERGE_NANOS) extends it.
            Map.Entry<Long, Writer> before = ranges.floorEntry(e.offset());
            if (before != null && continues(before.getValue(), e)) {
                Writer w = before.getValue();
                ranges.put(before.getKey(), new Writer(w.event(), e.offset() + e.bytes(), w.processPath(),
                        w.processArgv()));
                return;
            }
            ranges.put(e.offset(), new Writer(e, e.offset() + e.bytes(), processPath, processArgv));
            if (ranges.size() > MAX_RANGES_PER_FILE) {
                ranges.pollFirstEntry();
                dropped.increment();
            }
        }
    }

    /** Writes this close together from one thread share a range (and its time). */
    static final long MERGE_NANOS = 100_000_000L;

    private static boolean continues(Writer range, WriteEvent e) {
        WriteEvent first = range.event();
        return range.end() == e.offset() && first.tid() == e.tid() && first.pid() == e.pid()
                && e.unixNanos() - first.unixNanos() < MERGE_NANOS;
    }

    /** The write that put the byte at {@code offset} there, or null when none is known. */
    Writer writerOf(FileKey file, long offset) {
        TreeMap<Long, Writer> ranges = byFile.get(file);
        if (ranges == null) {
            return null;
        }
        synchronized (ranges) {
            Map.Entry<Long, Writer> at = ranges.floorEntry(offset);
            return at != null && at.getValue().end() > offset ? at.getValue() : null;
        }
    }

    /** Forgets writes that end at or before {@code offset}: their lines are out. */
    void consumedUpTo(FileKey file, long offset) {
        consumed.put(file, offset);
        TreeMap<Long, Writer> ranges = byFile.get(file);
        if (ranges == null) {
            return;
        }
        synchronized (ranges) {
            while (!ranges.isEmpty() && ranges.firstEntry().getValue().end() <= offset) {
                ranges.pollFirstEntry();
            }
        }
    }

    /**
     * Whether a write landed below what the tailer had read of the file since it last asked:
     * the file was truncated and written again before its size could show it (copytruncate
     * with a busy writer).
     */
    boolean rewritten(FileKey file) {
        return rewritten.remove(file);
    }

    /** The file was truncated to {@code size}: writes beyond it were of the old content. */
    void truncated(FileKey file, long size) {
        TreeMap<Long, Writer> ranges = byFile.get(file);
        if (ranges != null) {
            synchronized (ranges) {
                ranges.tailMap(size, true).clear();
            }
        }
    }

    /** Keeps the ranges of tailed files only (written to other files of the directories). */
    void retainOnly(Set<FileKey> tailed) {
        byFile.keySet().retainAll(tailed);
        consumed.keySet().retainAll(tailed);
        rewritten.retainAll(tailed);
    }

    long writes() {
        return writes.sum();
    }

    long dropped() {
        return dropped.sum();
    }
}
