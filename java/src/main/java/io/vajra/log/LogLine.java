package io.vajra.log;

import io.vajra.event.Event;

/**
 * One {@code bpf_log_events} row: a line of a watched log file and who wrote it.
 *
 * @param path        the file's path when the line was read (bytes, as named by the glob match)
 * @param line        the line without its newline, at most the source's max_line_bytes
 * @param offset      file offset of the line's first byte
 * @param lineNumber  1 for the file's first line; -1 when unknown (a file too large to count
 *                    when tailing began)
 * @param unixNanos   when the line was written (the kernel's write), else when it was read
 * @param writer      the write that put the line's first byte there; null when unknown
 * @param truncated   the line was longer than max_line_bytes and was cut
 * @param incomplete  the line had no newline and was emitted after a quiet period
 */
public record LogLine(
        byte[] path,
        String category,
        byte[] line,
        long offset,
        long lineNumber,
        int dev,
        long ino,
        long unixNanos,
        WriteLedger.Writer writer,
        boolean truncated,
        boolean incomplete) implements Event {

    private static final int FIXED_BYTES = 160;

    @Override
    public int byteSize() {
        return FIXED_BYTES + path.length + line.length
                + (writer == null ? 0 : 64); // the writer is shared by its lines
    }
}
