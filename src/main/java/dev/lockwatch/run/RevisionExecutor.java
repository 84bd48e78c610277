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
import dev.lockwatch.watch.Capture;
import dev.lockwatch.watch.Catalog;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.SchemaReader;
import dev.lockwatch.watch.StatementAssembler;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Upgrades one revision under the watcher (and the synthetic workload, with {@code --traffic}) and turns what
 * was seen into a {@link RevisionRun}, with the schema read before and after.
 */
final class RevisionExecutor {
    private final VerifyConfig config;
    private final AlembicRunner alembic;
    private final LockWatcher watcher;
    private final Connection connection;
    private final SchemaReader schema;
    private final Set<TableRef> busy;
    private final boolean gated;
    private final int major;
    private final TableStats stats;
    private final TrafficGenerator traffic;

    /**
     * @param stats   production's statistics to scale hold times with, or null
     * @param traffic the workload to run during each revision, or null
     */
    RevisionExecutor(VerifyConfig config, AlembicRunner alembic, LockWatcher watcher, Connection connection,
                     SchemaReader schema, Set<TableRef> busy, boolean gated, int major, TableStats stats,
                     TrafficGenerator traffic) {
        this.config = config;
        this.alembic = alembic;
        this.watcher = watcher;
        this.connection = connection;
        this.schema = schema;
        this.busy = Set.copyOf(busy);
        this.gated = gated;
        this.major = major;
        this.stats = stats;
        this.traffic = traffic;
        watcher.recordLockQueue(traffic != null);
    }

    RevisionRun upgrade(Revision revision) throws SQLException {
        SchemaSnapshot before = schema.read();
        if (gated) {
            Capture.gateTables(connection); // after the read: new triggers would make it read again rather than reuse
        }
        Catalog catalog = Catalog.of(before);
        Set<TableRef> busyNow = new HashSet<>(busy);
        busyNow.retainAll(before.tables().keySet());
        long startedUs = System.currentTimeMillis() * 1000;
        if (traffic != null) {
            traffic.start();
        }
        WatchedRun watched;
        List<TableTraffic> felt = List.of();
        try {
            watched = WatchedRun.of(watcher, alembic.reportsGates(),
                    () -> alembic.upgrade(revision.id(), config.revisionTimeout()));
        } finally {
            if (traffic != null) {
                felt = traffic.stop();
            }
        }
        TrafficObservation trafficObservation = traffic == null ? null : LockQueue.observe(felt, watcher.lockQueue(),
                catalog, startedUs, config.traffic().stallThreshold().toMillis());
        List<Statement> statements = StatementAssembler.assemble(watched.samples(), catalog, busyNow,
                config.versionTable());
        if (stats != null) {
            statements = stats.scale(statements, localRows(before, stats.tables().keySet()));
        }
        SchemaSnapshot after;
        try {
            after = schema.read();
        } catch (SQLException e) {
            // a session the revision left open holds a lock the read needs: its wait ends at --revision-timeout
            String held = LingeringLocks.describe(e, connection, config.revisionTimeout());
            return new RevisionRun(revision, RevisionStatus.FAILED, watched.result().durationMs(), statements, busyNow,
                    held, major, before, before, DowngradeCheck.notChecked(), null, trafficObservation);
        }
        boolean applied = watched.result().succeeded();
        return new RevisionRun(revision, applied ? RevisionStatus.APPLIED : RevisionStatus.FAILED,
                watched.result().durationMs(), statements, busyNow, applied ? null : watched.error(config.revisionTimeout()),
                major, before, after, DowngradeCheck.notChecked(),
                applied ? null : watched.result().failureSource(alembic.versionFolders()), trafficObservation);
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
