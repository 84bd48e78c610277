package dev.lockwatch.model;

/**
 * A table lock a statement took, as the watcher saw it in {@code pg_locks}.
 *
 * @param busy       the table carries production traffic (see {@code --busy-table})
 * @param heldMs     how long the lock was held, from the statement's start to its release, pauses excluded
 * @param inferred   not seen in {@code pg_locks} but implied by an observed command (a concurrent index
 *                   build releases its lock before any trigger can pause it)
 * @param estimate   the hold time scaled to production's row count (see {@code --table-stats}), or null
 * @param heldBefore the transaction held it, or a lock that lets it through, before the statement ran: an earlier
 *                   statement of the transaction took the table's strongest lock (the statement ran under it), or
 *                   took a lock on the table with which this one is granted whoever else holds what. The statement
 *                   could not wait for it.
 */
public record ObservedLock(TableRef table, LockMode mode, boolean granted, boolean busy, long heldMs, boolean inferred,
                           ProductionEstimate estimate, boolean heldBefore) {

    /** A lock the statement took itself. */
    public ObservedLock(TableRef table, LockMode mode, boolean granted, boolean busy, long heldMs, boolean inferred,
                        ProductionEstimate estimate) {
        this(table, mode, granted, busy, heldMs, inferred, estimate, false);
    }

    public ObservedLock withEstimate(ProductionEstimate productionEstimate) {
        return new ObservedLock(table, mode, granted, busy, heldMs, inferred, productionEstimate, heldBefore);
    }
}
