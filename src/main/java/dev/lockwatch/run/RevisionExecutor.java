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
    record Observed(SchemaSnapshot before, SchemaSnapshot after, WatchedRun watched, List<Statement> statements,
                    List<Optional<String>> recordedNext, Set<TableRef> busy, TrafficObservation traffic,
                    Optional<String> lingering) {
        boolean succeeded() {
            return watched.result().succeeded() && lingering.isEmpty();
        }
    }

    RevisionRun upgrade(Revision revision, ChainSession session) throws SQLException {
        Observed o = observe(revision.id(), session, false);
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
            watched = WatchedRun.of(watcher, alembic.reportsGates(), () -> alembic.upgrade(target, config.revisionTimeout()));
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
        Catalog catalog = Catalog.of(newTablesToo ? both(before, after) : before);
        TrafficObservation trafficObservation = traffic == null ? null : LockQueue.observe(felt, watcher.lockQueue(),
                catalog, startedUs, config.traffic().stallThreshold().toMillis());
        StatementAssembler.Assembled assembled = StatementAssembler.assembleDeploy(watched.samples(), catalog, busyNow,
                config.versionTable());
        List<Statement> statements = assembled.statements();
        if (stats != null) {
            statements = stats.scale(statements, localRows(before, stats.tables().keySet()));
        }
        return new Observed(before, after, watched, statements, assembled.recordedNext(), busyNow, trafficObservation,
                lingering);
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
