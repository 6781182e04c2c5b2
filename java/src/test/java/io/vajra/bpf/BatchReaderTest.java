package io.vajra.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vajra.event.CgroupResolver;
import io.vajra.event.FileEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoder's reuse of what a batch decoded lately (one comm array per run, one Side per
 * distinct side): equal content is handed out again, and any differing byte is not.
 */
class BatchReaderTest {

    @Test
    void equalSidesAreOneObjectAndEveryDifferingByteCounts() {
        String base = "/srv/watched/some/deeper/directory/file-00";
        // Same length as base: a byte differs inside an 8-byte word, and in the tail bytes.
        String middle = "/srv/watched/some/deeper/dirXctory/file-00";
        String last = "/srv/watched/some/deeper/directory/file-01";
        List<FileEvent> events = decode(
                file("storm", base), file("storm", middle), file("storm", last), file("storm", base));

        assertEquals(4, events.size());
        assertArrayEquals(bytes(base), events.get(0).side0().path());
        assertArrayEquals(bytes(middle), events.get(1).side0().path());
        assertArrayEquals(bytes(last), events.get(2).side0().path());
        assertSame(events.get(0).side0(), events.get(3).side0());
        assertNotSame(events.get(0).side0(), events.get(1).side0());
        assertNotSame(events.get(0).side0(), events.get(2).side0());
    }

    @Test
    void commIsReusedOnlyWhileAllSixteenBytesMatch() {
        byte[] garbageAfterNul = new byte[16];
        System.arraycopy(bytes("abc"), 0, garbageAfterNul, 0, 3);
        garbageAfterNul[9] = 'z'; // past the NUL: not part of the name
        List<FileEvent> events = decode(file("abc", "/a"), file("abc", "/b"), file(garbageAfterNul, "/c"),
                file("abd", "/d"), file("abcdefghijklmnop", "/e"));

        assertSame(events.get(0).comm(), events.get(1).comm());
        assertArrayEquals(bytes("abc"), events.get(2).comm());
        assertArrayEquals(bytes("abd"), events.get(3).comm());
        assertArrayEquals(bytes("abcdefghijklmnop"), events.get(4).comm(), "a full comm has no NUL");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] file(String comm, String path) {
        byte[] name = new byte[ProcessRecordLayout.COMM_LEN];
        byte[] given = bytes(comm);
        System.arraycopy(given, 0, name, 0, Math.min(given.length, name.length));
        return file(name, path);
    }

    /** An UPDATED record whose first side is a watched fd target with this path. */
    private static byte[] file(byte[] comm16, String path) {
        byte[] p = bytes(path);
        int size = (FileRecordLayout.RECORD_SIZE + p.length + 7) & ~7;
        ByteBuffer r = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        r.putInt(ProcessRecordLayout.SIZE, size);
        r.putShort(ProcessRecordLayout.FAMILY, (short) ProcessRecordLayout.FAMILY_FILE);
        r.putShort(ProcessRecordLayout.OP, (short) FileRecordLayout.OP_UPDATED);
        int side = FileRecordLayout.SIDES;
        r.putLong(side + FileRecordLayout.SIDE_ROOT_INO, 42);
        r.putInt(side + FileRecordLayout.SIDE_ROOT_DEV, 7);
        r.putShort(side + FileRecordLayout.SIDE_PATH_LEN, (short) p.length);
        r.putShort(side + FileRecordLayout.SIDE_FLAGS, (short) FileRecordLayout.SIDE_WATCHED);
        r.put(FileRecordLayout.COMM, comm16);
        r.put(FileRecordLayout.RECORD_SIZE, p);
        return r.array();
    }

    private static List<FileEvent> decode(byte[]... records) {
        int used = ProcessRecordLayout.BATCH_SIZE;
        for (byte[] r : records) {
            used += r.length;
        }
        ByteBuffer batch = ByteBuffer.allocateDirect(used).order(ByteOrder.nativeOrder());
        batch.putInt(ProcessRecordLayout.BATCH_ABI_VERSION, ProcessRecordLayout.ABI_VERSION);
        batch.putInt(ProcessRecordLayout.BATCH_COUNT, records.length);
        batch.position(ProcessRecordLayout.BATCH_SIZE);
        for (byte[] r : records) {
            batch.put(r);
        }
        batch.flip();
        List<FileEvent> events = new ArrayList<>();
        BatchReader.read(batch, new BatchReader.Sink() {
            @Override
            public void file(FileEvent e) {
                events.add(e);
            }
        }, CgroupResolver.NONE);
        return events;
    }
}
