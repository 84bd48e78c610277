package dev.lockwatch.model;

/**
 * One edge of the lock queue as it happened: {@code waiter} waited for a lock on {@code table} that
 * {@code blocker} held or had queued for first.
 *
 * @param waiter       {@code traffic}, {@code long-transaction} or {@code migration}
 * @param blockerQuery what the blocker was running (for the migration: the statement)
 * @param waitedMs     from the first to the last time the watcher saw the wait
 */
public record LockWait(String waiter, String waiterQuery, String blocker, String blockerQuery, TableRef table,
                       LockMode mode, long startMs, long waitedMs) {
}
