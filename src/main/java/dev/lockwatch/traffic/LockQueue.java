package dev.lockwatch.traffic;

import dev.lockwatch.model.LockWait;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableTraffic;
import dev.lockwatch.model.TrafficObservation;
import dev.lockwatch.watch.BlockedWait;
import dev.lockwatch.watch.Catalog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Joins what the workload felt with the lock queue the watcher saw into one revision's traffic observation. */
public final class LockQueue {
    private LockQueue() {
    }

    public static TrafficObservation observe(List<TableTraffic> tables, List<BlockedWait> waits, Catalog before,
                                             long revisionStartUs, long stallThresholdMs) {
        List<LockWait> queue = new ArrayList<>();
        waits.stream().sorted(Comparator.comparingLong(BlockedWait::firstSeenUs)).forEach(w ->
                before.table(w.relation()).ifPresent(table -> queue.add(new LockWait(role(w.waiterApplication()),
                        w.waiterQuery(), role(w.blockerApplication()), w.blockerQuery(), table, w.mode(),
                        Math.max(0, w.firstSeenUs() - revisionStartUs) / 1000, (w.lastSeenUs() - w.firstSeenUs()) / 1000))));
        List<TableTraffic> felt = tables.stream().map(t -> new TableTraffic(t.table(), t.reads(), t.inserts(), t.updates(),
                t.stalled(), t.longestStallMs(), waitedOn(queue, t.table()))).toList();
        return new TrafficObservation(stallThresholdMs, felt, queue);
    }

    /** The migration statements the workload's requests on {@code table} queued behind. */
    private static List<String> waitedOn(List<LockWait> queue, TableRef table) {
        Set<String> statements = new LinkedHashSet<>();
        queue.stream().filter(w -> w.table().equals(table) && w.waiter().equals("traffic") && w.blocker().equals("migration"))
                .map(LockWait::blockerQuery).map(q -> Optional.ofNullable(q).orElse("").strip())
                .forEach(statements::add);
        return List.copyOf(statements);
    }

    private static String role(String applicationName) {
        if (TrafficGenerator.APPLICATION_NAME.equals(applicationName)) {
            return "traffic";
        }
        return TrafficGenerator.LONG_TRANSACTION_NAME.equals(applicationName) ? "long-transaction" : "migration";
    }
}
