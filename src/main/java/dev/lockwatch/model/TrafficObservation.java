package dev.lockwatch.model;

import java.util.List;

/**
 * What production-like traffic felt while one revision ran ({@code --traffic}).
 *
 * @param stallThresholdMs requests slower than this count as stalled
 * @param lockQueue        who waited on whom, in the order the waits began
 */
public record TrafficObservation(long stallThresholdMs, List<TableTraffic> tables, List<LockWait> lockQueue) {

    public TrafficObservation {
        tables = List.copyOf(tables);
        lockQueue = List.copyOf(lockQueue);
    }
}
