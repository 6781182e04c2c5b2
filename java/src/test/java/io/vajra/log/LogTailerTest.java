package io.vajra.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vajra.container.CgroupContext;
import io.vajra.event.EventRange;
import io.vajra.event.EventSlice;
import io.vajra.event.EventStore;
import io.vajra.event.StoreSettings;
import io.vajra.event.WriteEvent;
import io.vajra.fim.WatchSet;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailer without a kernel: real files in a temporary directory, rounds driven by hand
 * with a clock of our own, write records fed to the ledger directly.
 */
class LogTailerTest {
    private static final long MILLI = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;
    /** Less than every period of the tailer: rounds this far apart change nothing by time. */
    private static final long STEP = 100 * MILLI;

    @TempDir
    Path dir;

    private final EventStore<LogLine> store = new EventStore<>(StoreSettings.defaults());
    private final WriteLedger ledger = new WriteLedger();
    private final List<String> logged = new ArrayList<>();
    private final LogTailer tailer = new LogTailer(store, ledger, logged::add);
    /**
     * The round clock. It starts at System.nanoTime() because the tailer stamps a file it
     * starts following with that clock (the service drives rounds with it too); from there on
     * it only moves when a test moves it.
     */
    private long now = System.nanoTime();
    private long lastEid;

    @AfterEach
    void closeFiles() {
        tailer.closeAll();
    }

    // ---- helpers ----------------------------------------------------------------------

    private static LogSource source(String glob, LogSource.Start start) {
        return new LogSource(glob, "app", Optional.empty(), Optional.empty(), start,
                LogSource.DEFAULT_MAX_LINE_BYTES);
    }

    private void follow(LogSource source, boolean writesTraced) {
        tailer.configure(List.of(source), writesTraced);
    }

    /** One round, a little later than the last. */
    private void round() {
        later(STEP);
    }

    /** One round {@code nanos} after the last. */
    private void later(long nanos) {
        now += nanos;
        tailer.round(now);
    }

    /** One round late enough for the tailer to look for new and renamed files. */
    private void roundWithRescan() {
        later(LogTailer.RESCAN_NANOS);
    }

    /** The rows stored since the last call. */
    private List<LogLine> newRows() {
        EventSlice<LogLine> slice = store.read(EventRange.eids(lastEid + 1, Long.MAX_VALUE));
        List<LogLine> out = new ArrayList<>();
        for (int i = 0; i < slice.size(); i++) {
            out.add(slice.event(i));
            lastEid = slice.eid(i);
        }
        return out;
    }

    private static List<String> texts(List<LogLine> rows) {
        return rows.stream().map(LogTailerTest::text).toList();
    }

    private static String text(LogLine row) {
        return new String(row.line(), StandardCharsets.UTF_8);
    }

    private static String path(LogLine row) {
        return new String(row.path(), StandardCharsets.UTF_8);
    }

    private static void append(Path file, String text) throws IOException {
        append(file, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private long counter(String name) {
        Long value = tailer.counters().get(name);
        assertNotNull(value, "no counter " + name);
        return value;
    }

    private static WriteLedger.FileKey keyOf(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino");
        return new WriteLedger.FileKey(WatchSet.kernelDev((Long) a.get("dev")), (Long) a.get("ino"));
    }

    /** A write record as the kernel would report it: {@code pid} wrote [offset, offset + bytes). */
    private static WriteEvent write(WriteLedger.FileKey file, int pid, long offset, long bytes) {
        return new WriteEvent(1, 0, System.currentTimeMillis() * MILLI, 0, 0, file.ino(), offset, bytes,
                file.dev(), pid, pid, 1, 1000, 1000, 0, pid, 3, "app\0".getBytes(StandardCharsets.US_ASCII),
                CgroupContext.UNKNOWN);
    }

    private void wrote(Path file, int pid, long offset, long bytes) throws IOException {
        ledger.accept(write(keyOf(file), pid, offset, bytes), ("/usr/bin/app" + pid).getBytes(StandardCharsets.UTF_8),
                ("app\0--pid\0" + pid + "\0").getBytes(StandardCharsets.UTF_8));
    }

    private static int pidOf(LogLine row) {
        assertNotNull(row.writer(), "unattributed: " + text(row));
        return row.writer().event().pid();
    }

    // ---- where reading starts -------------------------------------------------------

    @Test
    void startEndSkipsWhatIsThereAndNumbersTheLinesAfterIt() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "one\ntwo\n");
        follow(source(file.toString(), LogSource.Start.END), false);
        round();
        assertEquals(List.of(), newRows());

        append(file, "three\n");
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("three"), texts(rows));
        assertEquals(3, rows.get(0).lineNumber());
        assertEquals(8, rows.get(0).offset());
        assertEquals(file.toString(), path(rows.get(0)));
        assertEquals("app", rows.get(0).category());
        assertFalse(rows.get(0).truncated());
        assertFalse(rows.get(0).incomplete());
        assertEquals(1, counter("log_files_tailed"));
        assertEquals(1, counter("log_lines"));
    }

    @Test
    void startBeginningReadsWhatIsThere() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "one\ntwo\n");
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("one", "two"), texts(rows));
        assertEquals(List.of(1L, 2L), rows.stream().map(LogLine::lineNumber).toList());
        assertEquals(List.of(0L, 4L), rows.stream().map(LogLine::offset).toList());
        // writes not traced: nothing to wait for, nothing attributed
        assertTrue(rows.stream().allMatch(r -> r.writer() == null));
        assertEquals(2, counter("log_lines_unattributed"));
    }

    @Test
    void aFileCreatedAfterTheFirstRoundIsReadFromItsStart() throws IOException {
        Path old = dir.resolve("old.log");
        append(old, "before\n");
        follow(source(dir + "/*.log", LogSource.Start.END), false);
        round();
        assertEquals(1, counter("log_files_tailed"));

        Path created = dir.resolve("new.log");
        append(created, "first\nsecond\n");
        round();
        assertEquals(List.of(), newRows(), "new files are looked for once a second");
        roundWithRescan();
        List<LogLine> rows = newRows();
        assertEquals(List.of("first", "second"), texts(rows));
        assertEquals(0, rows.get(0).offset());
        assertEquals(1, rows.get(0).lineNumber());
        assertEquals(created.toString(), path(rows.get(0)));
        assertEquals(2, counter("log_files_tailed"));
    }

    // ---- partial and long lines -------------------------------------------------------

    @Test
    void aLineIsEmittedOnlyOnceItsNewlineArrives() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        append(file, "hel");
        round();
        assertEquals(List.of(), newRows());
        append(file, "lo\nwor");
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("hello"), texts(rows));
        assertEquals(0, rows.get(0).offset());
        append(file, "ld\n");
        round();
        rows = newRows();
        assertEquals(List.of("world"), texts(rows));
        assertEquals(6, rows.get(0).offset());
        assertEquals(2, rows.get(0).lineNumber());
        assertFalse(rows.get(0).incomplete());
    }

    @Test
    void aLastLineWithoutNewlineGoesOutAfterAQuietPeriod() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "done\npartial");
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        assertEquals(List.of("done"), texts(newRows()));

        later(LogTailer.QUIET_NANOS - 1);
        assertEquals(List.of(), newRows(), "not quiet long enough yet");
        later(1);
        List<LogLine> rows = newRows();
        assertEquals(List.of("partial"), texts(rows));
        assertTrue(rows.get(0).incomplete());
        assertEquals(5, rows.get(0).offset());
        assertEquals(2, rows.get(0).lineNumber());

        // What comes later is a row of its own, not a repeat of the first part.
        append(file, " rest\nnext\n");
        round();
        rows = newRows();
        assertEquals(List.of(" rest", "next"), texts(rows));
        assertFalse(rows.get(0).incomplete());
        assertEquals(12, rows.get(0).offset());
        assertEquals(2, rows.get(0).lineNumber(), "the rest of line 2");
        assertEquals(3, rows.get(1).lineNumber());
    }

    @Test
    void aLongLineIsCutAtMaxLineBytesAndTheNextLineIsWhole() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(new LogSource(file.toString(), "app", Optional.empty(), Optional.empty(), LogSource.Start.BEGINNING,
                256), false);
        round();
        append(file, "x".repeat(1000) + "\nnext\n");
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("x".repeat(256), "next"), texts(rows));
        assertTrue(rows.get(0).truncated());
        assertFalse(rows.get(1).truncated());
        assertEquals(1001, rows.get(1).offset());
        assertEquals(2, rows.get(1).lineNumber());

        // The same across rounds: the part already over the limit is not kept.
        append(file, "y".repeat(300));
        round();
        append(file, "y".repeat(300) + "\nafter\n");
        round();
        rows = newRows();
        assertEquals(List.of("y".repeat(256), "after"), texts(rows));
        assertTrue(rows.get(0).truncated());
        assertEquals(2, counter("log_lines_truncated"));
    }

    @Test
    void invalidUtf8IsKeptAsBytes() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        byte[] odd = {'b', 'a', 'd', ' ', (byte) 0xff, (byte) 0xfe, '\r', '\n'};
        append(file, odd);
        round();
        List<LogLine> rows = newRows();
        assertEquals(1, rows.size());
        assertArrayEquals(new byte[] {'b', 'a', 'd', ' ', (byte) 0xff, (byte) 0xfe, '\r'}, rows.get(0).line());
    }

    // ---- rotation, truncation, deletion -----------------------------------------------

    @Test
    void renameRotationDrainsTheOldFileAndReadsTheNewOneFromItsStart() throws IOException {
        Path file = dir.resolve("app.log");
        Path rotated = dir.resolve("app.log.1");
        append(file, "a1\na2\n");
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        assertEquals(List.of("a1", "a2"), texts(newRows()));

        Files.move(file, rotated);
        append(rotated, "a3\n"); // the writer still holds the old file
        append(file, "b1\nb2\n"); // the new file
        roundWithRescan();
        List<LogLine> rows = newRows();
        assertEquals(List.of("a3", "b1", "b2"), texts(rows));
        assertEquals(file.toString(), path(rows.get(0)), "the old file's rows keep the path it had");
        assertEquals(3, rows.get(0).lineNumber());
        assertEquals(0, rows.get(1).offset());
        assertEquals(1, rows.get(1).lineNumber());
        assertEquals(1, counter("log_rotations"));
        assertEquals(2, counter("log_files_tailed"));

        // Lines that reach the old file after the rotation was noticed are drained too.
        append(rotated, "a4\n");
        append(file, "b3\n");
        round();
        assertEquals(List.of("a4", "b3"), texts(newRows()));

        // Once the old file has been quiet for a while it is let go.
        later(LogTailer.QUIET_NANOS + 5 * SECOND);
        assertEquals(1, counter("log_files_tailed"));
        append(rotated, "a5\n");
        append(file, "b4\n");
        roundWithRescan();
        assertEquals(List.of("b4"), texts(newRows()));
    }

    @Test
    void copytruncateStartsAgainFromZero() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "line one\nline two\nline three\n");
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        assertEquals(3, newRows().size());

        Files.copy(file, dir.resolve("app.log.1"));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        append(file, "new 1\nnew 2\n");
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("new 1", "new 2"), texts(rows));
        assertEquals(List.of(0L, 6L), rows.stream().map(LogLine::offset).toList());
        assertEquals(List.of(1L, 2L), rows.stream().map(LogLine::lineNumber).toList());
        assertEquals(1, counter("log_truncations"));
        assertEquals(0, counter("log_rotations"));
    }

    @Test
    void copytruncateUnderABusyWriterIsSeenByItsWritesBelowTheReader() throws IOException {
        // The file is already longer again than where the reader was: only the write records
        // tell that it was emptied.
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(source(file.toString(), LogSource.Start.BEGINNING), true);
        round();
        append(file, "old 1\nold 2\n");
        wrote(file, 10, 0, 6);
        wrote(file, 10, 6, 6);
        round();
        assertEquals(List.of("old 1", "old 2"), texts(newRows()));

        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        append(file, "new 1\nnew 2\nnew 3\n");
        wrote(file, 11, 0, 6);
        wrote(file, 11, 6, 6);
        wrote(file, 11, 12, 6);
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("new 1", "new 2", "new 3"), texts(rows));
        assertEquals(List.of(1L, 2L, 3L), rows.stream().map(LogLine::lineNumber).toList());
        assertEquals(List.of(11, 11, 11), rows.stream().map(LogTailerTest::pidOf).toList());
        assertEquals(1, counter("log_truncations"));
    }

    @Test
    void aDeletedAndRecreatedFileIsFollowedAgain() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "old\n");
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        assertEquals(List.of("old"), texts(newRows()));

        Files.delete(file);
        append(file, "new 1\n");
        roundWithRescan();
        List<LogLine> rows = newRows();
        assertEquals(List.of("new 1"), texts(rows));
        assertEquals(1, rows.get(0).lineNumber());
        assertEquals(0, rows.get(0).offset());
        assertEquals(keyOf(file).ino(), rows.get(0).ino());
        assertEquals(1, counter("log_rotations"));

        later(LogTailer.QUIET_NANOS + 5 * SECOND);
        assertEquals(1, counter("log_files_tailed"), "the deleted file is let go");
        append(file, "new 2\n");
        round();
        rows = newRows();
        assertEquals(List.of("new 2"), texts(rows));
        assertEquals(2, rows.get(0).lineNumber());
    }

    // ---- filters ----------------------------------------------------------------------

    @Test
    void includeAndExcludeChooseTheLinesAndTheRestAreCounted() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(new LogSource(file.toString(), "app", Optional.of(Pattern.compile("ERROR|WARN")),
                Optional.of(Pattern.compile("healthcheck")), LogSource.Start.BEGINNING,
                LogSource.DEFAULT_MAX_LINE_BYTES), false);
        round();
        append(file, "INFO start\nERROR disk full\nWARN healthcheck slow\nWARN low memory\n");
        append(file, new byte[] {'E', 'R', 'R', 'O', 'R', ' ', (byte) 0xff, '\n'});
        round();
        List<LogLine> rows = newRows();
        assertEquals(3, rows.size());
        assertEquals(List.of("ERROR disk full", "WARN low memory"), texts(rows.subList(0, 2)));
        assertEquals(List.of(2L, 4L, 5L), rows.stream().map(LogLine::lineNumber).toList(),
                "filtered lines still count");
        assertArrayEquals(new byte[] {'E', 'R', 'R', 'O', 'R', ' ', (byte) 0xff}, rows.get(2).line());
        assertEquals(2, counter("log_lines_filtered"));
        assertEquals(3, counter("log_lines"));
    }

    // ---- attribution ------------------------------------------------------------------

    @Test
    void aLineTakesTheWriterOfItsFirstByte() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(source(file.toString(), LogSource.Start.BEGINNING), true);
        round();
        append(file, "mine\nshared line\n");
        wrote(file, 42, 0, 5);
        wrote(file, 7, 5, 7);  // "shared "
        wrote(file, 8, 12, 5); // "line\n"
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("mine", "shared line"), texts(rows));
        assertEquals(List.of(42, 7), rows.stream().map(LogTailerTest::pidOf).toList());
        WriteLedger.Writer writer = rows.get(0).writer();
        assertEquals("/usr/bin/app42", new String(writer.processPath(), StandardCharsets.UTF_8));
        assertEquals(writer.event().unixNanos(), rows.get(0).unixNanos(), "the row's time is the write's");
        assertEquals(0, counter("log_lines_unattributed"));
        assertEquals(3, counter("log_writes"));
    }

    @Test
    void aLineWithoutItsWriteRecordWaitsThenGoesOutUnattributed() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(source(file.toString(), LogSource.Start.BEGINNING), true);
        round();
        append(file, "known\nunknown\nlater\n");
        wrote(file, 42, 0, 6);
        wrote(file, 43, 14, 6); // "later\n"; the write of "unknown\n" never comes
        round();
        assertEquals(List.of("known"), texts(newRows()), "the rest waits for the missing record");

        // The wait is measured by the clock, not counted in rounds.
        later(1);
        later(1);
        later(LogTailer.ATTRIBUTION_GRACE_NANOS - 3);
        assertEquals(List.of(), newRows());
        later(1);
        List<LogLine> rows = newRows();
        assertEquals(List.of("unknown", "later"), texts(rows));
        assertNull(rows.get(0).writer());
        assertEquals(43, pidOf(rows.get(1)));
        assertEquals(List.of(2L, 3L), rows.stream().map(LogLine::lineNumber).toList());
        assertEquals(1, counter("log_lines_unattributed"));
    }

    @Test
    void whatWasThereAtTheFirstLookGoesOutWithoutWaitingForWriteRecords() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "old 1\nold 2\n");
        follow(source(file.toString(), LogSource.Start.BEGINNING), true);
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("old 1", "old 2"), texts(rows), "written before tracing: no record will come");
        assertEquals(0, counter("log_lines_unattributed") - 2, "counted as unattributed, without a wait");
    }

    @Test
    void aWaitingLineTakesItsWriterWhenTheRecordComesInTime() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "");
        follow(source(file.toString(), LogSource.Start.BEGINNING), true);
        round();
        append(file, "slow record\n");
        round();
        assertEquals(List.of(), newRows());
        wrote(file, 99, 0, 12);
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("slow record"), texts(rows));
        assertEquals(99, pidOf(rows.get(0)));
        assertEquals(0, counter("log_lines_unattributed"));
    }

    // ---- bounds -----------------------------------------------------------------------

    @Test
    void aFileFarAheadOfTheReaderIsSkippedForward() throws IOException {
        Path file = dir.resolve("app.log");
        append(file, "x\n".repeat(500));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(LogTailer.MAX_LAG_BYTES + 1000); // sparse: costs no disk
        }
        follow(source(file.toString(), LogSource.Start.BEGINNING), false);
        round();
        assertEquals(1000, counter("log_bytes_skipped"));
        assertEquals(500, counter("log_lines_skipped"));
        assertEquals(List.of(), newRows());
    }

    @Test
    void lineNumbersAreUnknownWhenTheExistingContentIsTooLargeToCount() throws IOException {
        Path file = dir.resolve("app.log");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(LogTailer.COUNT_LINES_UP_TO + 1);
        }
        follow(source(file.toString(), LogSource.Start.END), false);
        round();
        append(file, "\nafter\n");
        round();
        List<LogLine> rows = newRows();
        assertEquals(List.of("", "after"), texts(rows));
        assertTrue(rows.stream().allMatch(r -> r.lineNumber() == -1));
    }

    @Test
    void theLedgerKeepsAtMostMaxRangesPerFileDroppingTheOldest() {
        WriteLedger.FileKey file = new WriteLedger.FileKey(1, 100);
        for (int i = 0; i <= WriteLedger.MAX_RANGES_PER_FILE; i++) {
            // two writers taking turns: no write continues the previous one's range
            ledger.accept(write(file, 1 + i % 2, i * 10L, 10), new byte[0], new byte[0]);
        }
        assertEquals(WriteLedger.MAX_RANGES_PER_FILE + 1, ledger.writes());
        assertEquals(1, ledger.dropped());
        assertNull(ledger.writerOf(file, 5), "the oldest range went first");
        assertNotNull(ledger.writerOf(file, 15));
        assertNotNull(ledger.writerOf(file, WriteLedger.MAX_RANGES_PER_FILE * 10L + 9));
        assertNull(ledger.writerOf(file, WriteLedger.MAX_RANGES_PER_FILE * 10L + 10), "past the last write");
    }

    @Test
    void writesThatContinueTheSameThreadsRangeExtendIt() {
        WriteLedger.FileKey file = new WriteLedger.FileKey(1, 200);
        for (int i = 0; i < 1000; i++) {
            ledger.accept(write(file, 7, i * 10L, 10), new byte[0], new byte[0]);
        }
        ledger.accept(write(file, 8, 10_000, 10), new byte[0], new byte[0]);
        assertEquals(7, ledger.writerOf(file, 9_999).event().pid());
        assertEquals(8, ledger.writerOf(file, 10_000).event().pid());
        assertEquals(0, ledger.dropped());
    }

    @Test
    void theLedgerKeepsAtMostMaxFiles() {
        for (int i = 0; i < WriteLedger.MAX_FILES; i++) {
            ledger.accept(write(new WriteLedger.FileKey(1, i), 1, 0, 10), new byte[0], new byte[0]);
        }
        assertEquals(0, ledger.dropped());
        WriteLedger.FileKey oneTooMany = new WriteLedger.FileKey(1, WriteLedger.MAX_FILES);
        ledger.accept(write(oneTooMany, 1, 0, 10), new byte[0], new byte[0]);
        assertEquals(1, ledger.dropped());
        assertNull(ledger.writerOf(oneTooMany, 0));
        // A file already known still takes more.
        WriteLedger.FileKey known = new WriteLedger.FileKey(1, 0);
        ledger.accept(write(known, 2, 10, 10), new byte[0], new byte[0]);
        assertEquals(1, ledger.dropped());
        assertEquals(2, ledger.writerOf(known, 10).event().pid());
    }

    @Test
    void retainOnlyForgetsTheOtherFiles() {
        WriteLedger.FileKey tailed = new WriteLedger.FileKey(1, 1);
        WriteLedger.FileKey other = new WriteLedger.FileKey(1, 2);
        ledger.accept(write(tailed, 1, 0, 10), new byte[0], new byte[0]);
        ledger.accept(write(other, 2, 0, 10), new byte[0], new byte[0]);
        ledger.retainOnly(Set.of(tailed));
        assertNotNull(ledger.writerOf(tailed, 0));
        assertNull(ledger.writerOf(other, 0));
        // ...which makes room for new files.
        for (int i = 0; i < WriteLedger.MAX_FILES - 1; i++) {
            ledger.accept(write(new WriteLedger.FileKey(2, i), 1, 0, 10), new byte[0], new byte[0]);
        }
        assertEquals(0, ledger.dropped());
    }

    @Test
    void consumedRangesArePruned() {
        WriteLedger.FileKey file = new WriteLedger.FileKey(1, 1);
        ledger.accept(write(file, 1, 0, 10), new byte[0], new byte[0]);
        ledger.accept(write(file, 2, 10, 10), new byte[0], new byte[0]);
        ledger.consumedUpTo(file, 10);
        assertNull(ledger.writerOf(file, 5));
        assertEquals(2, ledger.writerOf(file, 15).event().pid());
        assertFalse(ledger.rewritten(file));
        ledger.accept(write(file, 3, 0, 4), new byte[0], new byte[0]); // the file was emptied and written
        assertTrue(ledger.rewritten(file));
        assertFalse(ledger.rewritten(file), "said once");
    }
}
