package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.data.TableStats;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import dev.lockwatch.model.TableTraffic;
import dev.lockwatch.model.TrafficObservation;
import dev.lockwatch.traffic.LockQueue;
import dev.lockwatch.traffic.TrafficGenerator;
import dev.lockwatch.watch.Catalog;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.StatementAssembler;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Upgrades one revision (or, for a joint deploy, several at once: {@link JointUpgrade}) under the watcher (and the synthetic workload, with {@code --traffic}) and turns what
 * was seen into a {@link RevisionRun}, with the schema read before and after.
 */
final class RevisionExecutor {
    private final VerifyConfig config;
    private final AlembicRunner alembic;
    private final Set<TableRef> busy;
    /** Each revision is its own deploy: the tables that exist before it are busy for it. */
    private final boolean busyPerRevision;
    private final boolean gated;
    private final int major;
    private final TableStats stats;

    /** @param stats production's statistics to scale hold times with, or null */
    RevisionExecutor(VerifyConfig config, AlembicRunner alembic, Set<TableRef> busy, boolean busyPerRevision,
                     boolean gated, int major, TableStats stats) {
        this.config = config;
        this.alembic = alembic;
        this.busy = Set.copyOf(busy);
        this.busyPerRevision = busyPerRevision;
        this.gated = gated;
        this.major = major;
        this.stats = stats;
    }

    /**
     * One judged {@code alembic upgrade <target>} as it ran: the schema read before and after, the statements with
     * their locks, the busy tables (those that existed before it) and what the workload felt.
     */
    record Observed(Seen seen, List<Statement> statements, List<Optional<String>> recordedNext,
                    TrafficObservation traffic) {
        SchemaSnapshot before() {
            return seen.before();
        }

        SchemaSnapshot after() {
            return seen.after();
        }

        WatchedRun watched() {
            return seen.watched();
        }

        Set<TableRef> busy() {
            return seen.busy();
        }

        Optional<String> lingering() {
            return seen.lingering();
        }

        boolean succeeded() {
            return seen.succeeded();
        }
    }

    /**
     * Upgrades {@code revision} as its own deploy; {@code meanwhile} runs while alembic does (work of lockwatch's
     * own that the upgrade need not wait for). What the upgrade did is known at once, its statements are assembled
     * when its run is first asked for: the next upgrade's {@code meanwhile} can do it.
     */
    Upgraded upgrade(Revision revision, ChainSession session, Runnable meanwhile) throws SQLException {
        if (!overlaps(session)) {
            if (lastLeftALock(session)) {
                return Upgraded.of(RevisionRun.notRun(revision));
            }
            Seen seen = watch(revision.id(), session, false, meanwhile);
            return new Upgraded(revision, seen::status, () -> run(revision, assemble(seen)));
        }
        Optional<Seen> seen = overlapped(revision.id(), session, meanwhile);
        return seen.isEmpty() ? Upgraded.of(RevisionRun.notRun(revision))
                : new Upgraded(revision, seen.get()::status, () -> run(revision, assemble(seen.get())));
    }

    /**
     * Whether the next upgrade may start before the read after this one: through the shared driver, whose command
     * can be held until then (lockwatch_driver.py's _Hold), with gates saying what to read, and no workload.
     */
    private boolean overlaps(ChainSession session) {
        return gated && session.traffic() == null && alembic.reportsGates();
    }

    /** A revision's upgrade as it came out at once, and its run, assembled once when first asked for. */
    static final class Upgraded {
        private final Revision revision;
        private final Supplier<RevisionStatus> status;
        private Supplier<RevisionRun> assembly;
        private RevisionRun run;

        private Upgraded(Revision revision, Supplier<RevisionStatus> status, Supplier<RevisionRun> assembly) {
            this.revision = revision;
            this.status = status;
            this.assembly = assembly;
        }

        /** A run there is nothing more to assemble of (one not run). */
        static Upgraded of(RevisionRun run) {
            Upgraded done = new Upgraded(run.revision(), run::status, null);
            done.run = run;
            return done;
        }

        Revision revision() {
            return revision;
        }

        /** How the upgrade came out as far as known: a session it left open is found by the read after it. */
        RevisionStatus status() {
            return status.get();
        }

        RevisionRun run() {
            if (run == null) {
                run = assembly.get();
                assembly = null;
            }
            return run;
        }
    }

    private RevisionRun run(Revision revision, Observed o) {
        boolean applied = o.succeeded();
        return new RevisionRun(revision, applied ? RevisionStatus.APPLIED : RevisionStatus.FAILED,
                o.watched().result().durationMs(), o.statements(), o.busy(), applied ? null : error(o),
                major, o.before(), o.after(), DowngradeCheck.notChecked(),
                applied ? null : o.watched().result().failureSource(alembic.versionFolders()), o.traffic());
    }

    /** What alembic said when it failed, or the lock a session it left open holds. */
    String error(Observed observed) {
        return observed.lingering().orElseGet(() -> observed.watched().error(config.revisionTimeout()));
    }

    int major() {
        return major;
    }

    /** Where revision files live: what a failure's traceback is traced back to. */
    List<java.nio.file.Path> versionFolders() {
        return alembic.versionFolders();
    }

    /**
     * @param newTablesToo name the tables the upgrade created too (read after it), not only those that existed
     *                     before: a joint deploy's later revisions work on tables its earlier ones created
     * @param meanwhile    runs while alembic does
     */
    Observed observe(String target, ChainSession session, boolean newTablesToo, Runnable meanwhile) throws SQLException {
        return assemble(watch(target, session, newTablesToo, meanwhile));
    }

    /** @param meanwhile runs while alembic does */
    private Seen watch(String target, ChainSession session, boolean newTablesToo, Runnable meanwhile)
            throws SQLException {
        session.settle();
        LockWatcher watcher = session.watcher();
        TrafficGenerator traffic = session.traffic();
        watcher.recordLockQueue(traffic != null);
        SchemaSnapshot before = before(session);
        Set<TableRef> busyNow = busy(before);
        long startedUs = System.currentTimeMillis() * 1000;
        if (traffic != null) {
            traffic.start();
        }
        WatchedRun watched;
        List<TableTraffic> felt = List.of();
        try {
            watched = WatchedRun.of(watcher, alembic.reportsGates(), config.revisionTimeout(),
                    reported -> alembic.upgrade(target, config.revisionTimeout(), meanwhile, reported));
        } finally {
            if (traffic != null) {
                felt = traffic.stop();
            }
        }
        Seen seen = new Seen(before, watched, busyNow, newTablesToo, traffic != null, felt,
                traffic == null ? List.of() : watcher.lockQueue(), startedUs);
        seen.read(session, config.revisionTimeout());
        return seen;
    }

    /**
     * {@link #watch}, with the read after the upgrade before it finished while this one starts (alembic reads its
     * request, runs env.py and reads the version table meanwhile, and changes nothing before that read is done), and
     * this one's read begun while the watcher takes its last look ({@link EarlyRead}), its rest left for the next
     * (or for whoever first asks for its results). Empty when this upgrade did not run: the read found that the one
     * before left a session holding a lock.
     */
    private Optional<Seen> overlapped(String target, ChainSession session, Runnable meanwhile) throws SQLException {
        LockWatcher watcher = session.watcher();
        watcher.recordLockQueue(false);
        SchemaSnapshot[] before = new SchemaSnapshot[1];
        long startedUs = System.currentTimeMillis() * 1000;
        Runnable hold = () -> {
            if (lastLeftALock(session)) {
                throw new Unsettled();
            }
            try {
                before[0] = before(session);
            } catch (SQLException e) {
                throw LockwatchException.environment("cannot read the schema: " + e.getMessage(), e);
            }
        };
        WatchedRun watched;
        EarlyRead early = new EarlyRead(session);
        try {
            watched = WatchedRun.of(watcher, true, config.revisionTimeout(),
                    reported -> alembic.upgradeHeld(target, config.revisionTimeout(), hold, meanwhile, reported), early);
        } catch (Unsettled e) {
            return Optional.empty();
        }
        Seen seen = new Seen(before[0], watched, busy(before[0]), false, false, List.of(), List.of(), startedUs);
        if (watched.result().succeeded()) {
            seen.readLater(session, config.revisionTimeout(), early);
        } else {
            seen.read(session, config.revisionTimeout()); // the chain stops here: nothing to overlap with
        }
        return Optional.of(seen);
    }

    /**
     * Takes the read after the last upgrade if it is still to come; whether it found that upgrade left a session
     * holding a lock (it failed: the chain stops there).
     */
    private static boolean lastLeftALock(ChainSession session) {
        return session.settle().filter(last -> !last.succeeded()).isPresent();
    }

    /** The read after the upgrade before found it left a session holding a lock: the next one must not run. */
    private static final class Unsettled extends RuntimeException {
        Unsettled() {
            super("the revision before left a session holding a lock", null, false, false);
        }
    }

    /** The schema as the upgrade finds it (as the one before left it, when that is known), with its new tables gated. */
    private SchemaSnapshot before(ChainSession session) throws SQLException {
        SchemaSnapshot before = session.settled().isPresent() ? session.settled().get() : session.schema().read();
        session.settled(Optional.empty());
        if (gated) {
            session.gateNewTables(before);
        }
        return before;
    }

    /** The busy tables: those that exist before the upgrade (before each, or before the deploy). */
    private Set<TableRef> busy(SchemaSnapshot before) {
        if (busyPerRevision) {
            return before.tables().keySet();
        }
        Set<TableRef> busyNow = new HashSet<>(busy);
        busyNow.retainAll(before.tables().keySet());
        return busyNow;
    }

    /** The statements of what was seen, with their locks, and what the workload felt. */
    private Observed assemble(Seen seen) {
        Catalog catalog = Catalog.of(seen.newTablesToo() ? both(seen.before(), seen.after()) : seen.before());
        TrafficObservation trafficObservation = !seen.traffic() ? null : LockQueue.observe(seen.felt(),
                seen.lockQueue(), catalog, seen.startedUs(), config.traffic().stallThreshold().toMillis());
        StatementAssembler.Assembled assembled = StatementAssembler.assembleDeploy(seen.watched().samples(), catalog,
                seen.busy(), config.versionTable());
        List<Statement> statements = assembled.statements();
        if (stats != null) {
            statements = stats.scale(statements, localRows(seen.before(), stats.tables().keySet()));
        }
        return new Observed(seen, statements, assembled.recordedNext(), trafficObservation);
    }

    /**
     * Every table of either snapshot once, by oid: as it was before when it existed then (a table renamed during the
     * deploy keeps its old name and shape, so its locks go by the busy name and its rename is an effect), else as
     * the deploy left it.
     */
    private static SchemaSnapshot both(SchemaSnapshot before, SchemaSnapshot after) {
        Map<TableRef, TableSchema> tables = new HashMap<>(before.tables());
        Set<Long> existed = new HashSet<>();
        before.tables().values().forEach(t -> existed.add(t.oid()));
        after.tables().values().stream().filter(t -> !existed.contains(t.oid())).forEach(t -> tables.putIfAbsent(t.table(), t));
        return SchemaSnapshot.of(tables, before.objects(), before.versions());
    }

    /** Rows, as the revision found them, of the tables production's statistics know. */
    private static Map<TableRef, Long> localRows(SchemaSnapshot before, Set<TableRef> known) {
        Map<TableRef, Long> rows = new HashMap<>();
        for (TableRef table : known) {
            TableSchema shape = before.tables().get(table);
            if (shape != null && shape.rows() != null) {
                rows.put(table, shape.rows().value());
            }
        }
        return rows;
    }
}
