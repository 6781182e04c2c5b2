package io.vajra.table;

/**
 * Receives a table's rows as they are generated: one {@code Object[]} aligned with
 * {@link Table#columns()}, holding Long, String, Double or null. Arrays rather than maps
 * because the osquery layer has to serve hundreds of thousands of rows a second.
 * The sink owns the array once it has it.
 */
@FunctionalInterface
public interface RowSink {
    /** @return false to stop generating (the consumer has enough rows) */
    boolean accept(Object[] row);
}
