package dev.lockwatch.model;

/**
 * How many rows a table held: counted exactly for tables up to {@link #EXACT_LIMIT_BYTES}, else the planner's
 * estimate ({@code reltuples} scaled to the table's current size).
 */
public record RowCount(long value, boolean exact) {
    /** Tables up to this size are counted with count(*); larger ones are estimated. */
    public static final long EXACT_LIMIT_BYTES = 64L * 1024 * 1024;

    @Override
    public String toString() {
        return (exact ? "" : "about ") + String.format("%,d", value) + (value == 1 ? " row" : " rows");
    }
}
