package dev.lockwatch.model;

import java.util.List;

/**
 * The synthetic workload on one busy table while a revision ran.
 *
 * @param stalled          requests that took longer than the stall threshold
 * @param longestStallMs   the slowest request
 * @param waitedOn         the migration's statements those requests queued behind, as the lock queue showed
 */
public record TableTraffic(TableRef table, long reads, long inserts, long updates, long stalled, long longestStallMs,
                           List<String> waitedOn) {

    public TableTraffic {
        waitedOn = List.copyOf(waitedOn);
    }

    public long requests() {
        return reads + inserts + updates;
    }
}
