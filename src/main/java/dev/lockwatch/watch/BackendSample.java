package dev.lockwatch.watch;

import dev.lockwatch.capture.GateEffects;
import dev.lockwatch.capture.Pause;
import dev.lockwatch.model.LockMode;
import java.util.List;

/**
 * One look at one migration backend: its current statement and the table locks it holds or waits for.
 * Times are the server's clock in microseconds since the epoch.
 *
 * @param pause        set when the backend was waiting at a lockwatch gate
 * @param gone         the backend had disconnected by {@link #timeUs}
 * @param pausedUntilUs when the watcher let a paused backend go, else -1
 * @param settled       the backend ran one statement throughout this look, so its locks and statement belong
 *                      together (a gate sample always is)
 * @param effects       what the statement did, as the session read it at this gate ({@link GateEffects#NONE} when
 *                      the gate reports none, and for polls)
 */
public record BackendSample(long timeUs, int pid, String query, long queryStartUs, long xactStartUs,
                            List<HeldLock> locks, Pause pause, boolean gone, long pausedUntilUs, boolean settled,
                            GateEffects effects) {

    public BackendSample {
        locks = List.copyOf(locks);
        effects = effects == null ? GateEffects.NONE : effects;
    }

    public BackendSample(long timeUs, int pid, String query, long queryStartUs, long xactStartUs, List<HeldLock> locks,
                         Pause pause, boolean gone, long pausedUntilUs, boolean settled) {
        this(timeUs, pid, query, queryStartUs, xactStartUs, locks, pause, gone, pausedUntilUs, settled, GateEffects.NONE);
    }

    public static BackendSample gone(long timeUs, int pid) {
        return new BackendSample(timeUs, pid, null, -1, -1, List.of(), null, true, -1, true);
    }

    public BackendSample released(long untilUs) {
        return new BackendSample(timeUs, pid, query, queryStartUs, xactStartUs, locks, pause, gone, untilUs, settled,
                effects);
    }

    /** The same look, with these of its locks. */
    BackendSample withLocks(List<HeldLock> held) {
        return new BackendSample(timeUs, pid, query, queryStartUs, xactStartUs, held, pause, gone, pausedUntilUs,
                settled, effects);
    }

    /** The same look, placed at {@code timeUs} (StatementAssembler.inOrder). */
    BackendSample at(long timeUs) {
        return new BackendSample(timeUs, pid, query, queryStartUs, xactStartUs, locks, pause, gone, pausedUntilUs,
                settled, effects);
    }

    /** A relation lock; {@code relation} is the oid. */
    public record HeldLock(long relation, LockMode mode, boolean granted) {
    }

    /** Same statement, transaction and locks: nothing new to record. */
    boolean sameStateAs(BackendSample other) {
        return other != null && pause == null && other.pause == null && queryStartUs == other.queryStartUs
                && xactStartUs == other.xactStartUs && locks.equals(other.locks);
    }
}
