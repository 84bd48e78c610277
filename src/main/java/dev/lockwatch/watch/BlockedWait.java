package dev.lockwatch.watch;

import dev.lockwatch.model.LockMode;

/**
 * One waiter-blocker pair the watcher saw in {@code pg_locks} / {@code pg_blocking_pids}, from the first to the
 * last look that showed it. Times are the server's clock in microseconds.
 */
public record BlockedWait(int waiterPid, String waiterApplication, String waiterQuery, int blockerPid,
                          String blockerApplication, String blockerQuery, long relation, LockMode mode,
                          long firstSeenUs, long lastSeenUs) {

    /** The same wait, still there at {@code timeUs}; the blocker's statement stays the one the wait began on. */
    BlockedWait seenAgain(long timeUs) {
        return new BlockedWait(waiterPid, waiterApplication, waiterQuery, blockerPid, blockerApplication,
                blockerQuery, relation, mode, firstSeenUs, timeUs);
    }
}
