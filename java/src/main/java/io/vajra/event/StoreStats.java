package io.vajra.event;

/**
 * A consistent snapshot of an {@link EventStore}'s occupancy and eviction counters.
 *
 * @param rows             events held now
 * @param bytes            bytes held now ({@link Event#byteSize()} summed)
 * @param capacityRows     most events kept
 * @param byteBudget       most bytes kept
 * @param expirySeconds    retention
 * @param oldestEid        eid of the oldest event held; {@code newestEid + 1} when empty
 * @param newestEid        last eid assigned; 0 before the first append
 * @param appended         events accepted since start
 * @param evictedCapacity  events dropped before expiry because the row capacity was reached (loss)
 * @param evictedBytes     events dropped before expiry because the byte budget was reached (loss)
 * @param droppedOversize  events refused because one alone exceeded the byte budget (loss)
 * @param expired          events dropped after their retention time (normal)
 */
public record StoreStats(
        long rows,
        long bytes,
        int capacityRows,
        long byteBudget,
        long expirySeconds,
        long oldestEid,
        long newestEid,
        long appended,
        long evictedCapacity,
        long evictedBytes,
        long droppedOversize,
        long expired) {

    /** Events dropped before they were due to expire, all causes. */
    public long lost() {
        return evictedCapacity + evictedBytes + droppedOversize;
    }
}
