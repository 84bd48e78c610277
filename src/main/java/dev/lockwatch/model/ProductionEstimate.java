package dev.lockwatch.model;

import java.util.Locale;

/**
 * A lock's hold time scaled to the table's production size: linear in the row count, so an estimate, not a
 * measurement (an index build grows a little faster than linearly; a catalog-only change does not grow at all).
 *
 * @param localRows      rows the table had here when the revision started
 * @param productionRows rows production's statistics report
 */
public record ProductionEstimate(long localRows, long productionRows, long estimatedMs) {

    /** Null when there is nothing to scale from (an empty table here). */
    public static ProductionEstimate scale(long heldMs, long localRows, long productionRows) {
        if (localRows <= 0 || productionRows < 0) {
            return null;
        }
        double factor = (double) productionRows / localRows;
        return new ProductionEstimate(localRows, productionRows, Math.round(Math.max(heldMs, 1) * factor));
    }

    /** E.g. {@code about 5 min at 1.1 B rows in production (an estimate, scaled linearly from 400 k rows here)}. */
    public String describe() {
        return "about " + duration(estimatedMs) + " at " + count(productionRows) + " rows in production (an estimate, "
                + "scaled linearly from " + count(localRows) + " rows here)";
    }

    public static String duration(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        double seconds = ms / 1000.0;
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%.0f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }

    public static String count(long rows) {
        if (rows < 1000) {
            return Long.toString(rows);
        }
        if (rows < 1_000_000) {
            return String.format(Locale.ROOT, "%.0f k", rows / 1e3);
        }
        if (rows < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f M", rows / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f B", rows / 1e9);
    }
}
