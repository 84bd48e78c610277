package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.data.TableStats;
import dev.lockwatch.model.DowngradeCheck;
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
import dev.lockwatch.watch.BlockedWait;
import dev.lockwatch.watch.Catalog;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.SchemaReader;
import dev.lockwatch.watch.StatementAssembler;
import dev.lockwatch.watch.Touched;
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
        Seen seen = watch(revision.id(), session, false, meanwhile);
        return new Upgraded(revision, seen.succeeded() ? RevisionStatus.APPLIED : RevisionStatus.FAILED,
                () -> run(revision, assemble(seen)));
    }

    /** A revision's upgrade as it came out at once, and its run, assembled once when first asked for. */
    static final class Upgraded {
        private final Revision revision;
        private final RevisionStatus status;
        private Supplier<RevisionRun> assembly;
        private RevisionRun run;

        private Upgraded(Revision revision, RevisionStatus status, Supplier<RevisionRun> assembly) {
            this.revision = revision;
            this.status = status;
            this.assembly = assembly;
        }

        /** A run there is nothing more to assemble of (one not run). */
        static Upgraded of(RevisionRun run) {
            Upgraded done = new Upgraded(run.revision(), run.status(), null);
            done.run = run;
            return done;
        }

        Revision revision() {
            return revision;
        }

        RevisionStatus status() {
            return status;
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
     */
    Observed observe(String target, ChainSession session, boolean newTablesToo) throws SQLException {
        return assemble(watch(target, session, newTablesToo, () -> { }));
    }

    /**
     * What a judged upgrade did that must be read before anything else runs: what the watcher saw, the schema
     * after it (the next upgrade's before), what the workload felt and the lock queue (the next watch starts
     * another).
     */
    record Seen(SchemaSnapshot before, SchemaSnapshot after, WatchedRun watched, Set<TableRef> busy,
                        boolean newTablesToo, boolean traffic, List<TableTraffic> felt, List<BlockedWait> lockQueue,
                        long startedUs, Optional<String> lingering) {
        boolean succeeded() {
            return watched.result().succeeded() && lingering.isEmpty();
        }
    }

    /** @param meanwhile runs while alembic does */
    private Seen watch(String target, ChainSession session, boolean newTablesToo, Runnable meanwhile)
            throws SQLException {
        SchemaReader schema = session.schema();
        LockWatcher watcher = session.watcher();
        TrafficGenerator traffic = session.traffic();
        watcher.recordLockQueue(traffic != null);
        SchemaSnapshot before = session.settled().isPresent() ? session.settled().get() : schema.read();
        session.settled(Optional.empty());
        if (gated) {
            session.gateNewTables(before);
        }
        Set<TableRef> busyNow = new HashSet<>(busyPerRevision ? before.tables().keySet() : busy);
        busyNow.retainAll(before.tables().keySet());
        long startedUs = System.currentTimeMillis() * 1000;
        if (traffic != null) {
            traffic.start();
        }
        WatchedRun watched;
        List<TableTraffic> felt = List.of();
        try {
            watched = WatchedRun.of(watcher, alembic.reportsGates(),
                    () -> alembic.upgrade(target, config.revisionTimeout(), meanwhile));
        } finally {
            if (traffic != null) {
                felt = traffic.stop();
            }
        }
        SchemaSnapshot after;
        Optional<String> lingering = Optional.empty();
        // what the gates say the upgrade touched is read again, the rest kept; without gates, after a failure (it
        // may have committed part of itself) or with the workload writing rows, everything is
        Optional<Touched> touched = gated && traffic == null && watched.result().succeeded()
                ? Touched.of(watched.samples()) : Optional.empty();
        try {
            after = touched.isPresent() ? schema.readAfter(touched.get().oids(), touched.get().objects())
                    : schema.readAll();
        } catch (SQLException e) {
            // a session the revision left open holds a lock the read needs: its wait ends at --revision-timeout
            lingering = Optional.of(LingeringLocks.describe(e, session.connection(), config.revisionTimeout()));
            after = before;
        }
        if (watched.result().succeeded() && lingering.isEmpty()) {
            session.settled(Optional.of(after));
        }
        return new Seen(before, after, watched, busyNow, newTablesToo, traffic != null, felt,
                traffic == null ? List.of() : watcher.lockQueue(), startedUs, lingering);
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
