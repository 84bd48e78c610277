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
        return (exact ? "" : "about ") + grouped(value) + (value == 1 ? " row" : " rows");
    }

    /**
     * A count with its thousands grouped by commas, as {@code %,d} prints it in English, whatever the JVM's locale:
     * a report reads the same on every machine, and a Formatter for every statement of a long chain cost more than
     * the rule that wrote it.
     */
    public static String grouped(long count) {
        String digits = Long.toString(Math.abs(count));
        StringBuilder text = new StringBuilder(digits.length() + digits.length() / 3 + 1);
        if (count < 0) {
            text.append('-');
        }
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && (digits.length() - i) % 3 == 0) {
                text.append(',');
            }
            text.append(digits.charAt(i));
        }
        return text.toString();
    }
}
