package dev.lockwatch.run;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableTraffic;
import dev.lockwatch.watch.BlockedWait;
import dev.lockwatch.watch.Touched;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a judged upgrade did: what the watcher saw, the schema before it and, once read, after it, the busy tables
 * (those that existed before it), what the workload felt and the lock queue. The read after may wait
 * ({@link #readLater}) until the next upgrade is on its way: nothing changes the database before it is done.
 */
final class Seen {
    private final SchemaSnapshot before;
    private final WatchedRun watched;
    private final Set<TableRef> busy;
    private final boolean newTablesToo;
    private final boolean traffic;
    private final List<TableTraffic> felt;
    private final List<BlockedWait> lockQueue;
    private final long startedUs;
    private SchemaSnapshot after;
    private Optional<String> lingering = Optional.empty();
    /** The session whose database the read after is still to be taken from. */
    private ChainSession unread;
    private Duration timeout;
    /** What was read while the watcher took its last look, if anything. */
    private Optional<EarlyRead> early = Optional.empty();

    /**
     * @param newTablesToo the statements name the tables the upgrade created too (read after it), not only those
     *                     that existed before: a joint deploy's later revisions work on tables its earlier ones created
     * @param traffic      the synthetic workload ran alongside ({@code felt} and {@code lockQueue} are what it met)
     */
    Seen(SchemaSnapshot before, WatchedRun watched, Set<TableRef> busy, boolean newTablesToo, boolean traffic,
         List<TableTraffic> felt, List<BlockedWait> lockQueue, long startedUs) {
        this.before = before;
        this.watched = watched;
        this.busy = Set.copyOf(busy);
        this.newTablesToo = newTablesToo;
        this.traffic = traffic;
        this.felt = felt;
        this.lockQueue = lockQueue;
        this.startedUs = startedUs;
    }

    /** Reads the schema after the upgrade now. */
    void read(ChainSession session, Duration timeout) throws SQLException {
        // what the gates say the upgrade touched is read again, the rest kept; without gates, after a failure (it may
        // have committed part of itself) or with the workload writing rows, everything is
        Optional<Touched> touched = session.gated() && !traffic && watched.result().succeeded()
                ? Touched.of(watched.samples()) : Optional.empty();
        try {
            after = touched.isEmpty() ? session.schema().readAll()
                    : early.isPresent() ? early.get().rest(touched.get())
                    : session.schema().readAfter(touched.get().oids(), touched.get().objects());
        } catch (SQLException e) {
            // a session the revision left open holds a lock the read needs: its wait ends at --revision-timeout
            lingering = Optional.of(LingeringLocks.describe(e, session.connection(), timeout));
            after = before;
        }
        touched.ifPresent(t -> session.gatedAlready(t.gated()));
        session.settled(succeeded() ? Optional.of(after) : Optional.empty());
    }

    /**
     * Reads the schema after the upgrade when {@code session} settles ({@link ChainSession#settle()}): before the next
     * upgrade changes anything, or when this upgrade's results are first asked for. What {@code early} read then
     * need not be read again.
     */
    void readLater(ChainSession session, Duration timeout, EarlyRead early) {
        unread = session;
        this.timeout = timeout;
        this.early = Optional.of(early);
        session.pending(this);
    }

    /** The read {@link #readLater} left for when its session settles. */
    void readNow() {
        ChainSession session = unread;
        unread = null;
        try {
            read(session, timeout);
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot read the schema after an upgrade: " + e.getMessage(), e);
        }
    }

    private void settle() {
        if (unread != null) {
            unread.settle();
        }
    }

    SchemaSnapshot before() {
        return before;
    }

    SchemaSnapshot after() {
        settle();
        return after;
    }

    WatchedRun watched() {
        return watched;
    }

    Set<TableRef> busy() {
        return busy;
    }

    boolean newTablesToo() {
        return newTablesToo;
    }

    boolean traffic() {
        return traffic;
    }

    List<TableTraffic> felt() {
        return felt;
    }

    List<BlockedWait> lockQueue() {
        return lockQueue;
    }

    long startedUs() {
        return startedUs;
    }

    /** The lock a session the upgrade left open holds, found by the read after. */
    Optional<String> lingering() {
        settle();
        return lingering;
    }

    boolean succeeded() {
        return watched.result().succeeded() && lingering().isEmpty();
    }

    /**
     * How the upgrade came out, as far as known without the read after: applied until that read finds a session
     * it left open.
     */
    RevisionStatus status() {
        return watched.result().succeeded() && (unread != null || lingering.isEmpty()) ? RevisionStatus.APPLIED
                : RevisionStatus.FAILED;
    }
}
