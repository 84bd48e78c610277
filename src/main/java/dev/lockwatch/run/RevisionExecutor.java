package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.data.TableStats;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableTraffic;
import dev.lockwatch.model.TrafficObservation;
import dev.lockwatch.traffic.LockQueue;
import dev.lockwatch.traffic.TrafficGenerator;
import dev.lockwatch.watch.BackendSample;
import dev.lockwatch.watch.Capture;
import dev.lockwatch.watch.Catalog;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.StatementAssembler;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Upgrades one revision under the watcher and turns what was seen into a {@link RevisionRun}. */
final class RevisionExecutor {
    private final VerifyConfig config;
    private final AlembicRunner alembic;
    private final LockWatcher watcher;
    private final Connection connection;
    private final Set<TableRef> busy;
    private final boolean gated;
    private final TableStats stats;
    private final TrafficGenerator traffic;

    /**
     * @param stats   production's statistics to scale hold times with, or null
     * @param traffic the workload to run during each revision, or null
     */
    RevisionExecutor(VerifyConfig config, AlembicRunner alembic, LockWatcher watcher, Connection connection,
                     Set<TableRef> busy, boolean gated, TableStats stats, TrafficGenerator traffic) {
        this.config = config;
        this.alembic = alembic;
        this.watcher = watcher;
        this.connection = connection;
        this.busy = Set.copyOf(busy);
        this.gated = gated;
        this.stats = stats;
        this.traffic = traffic;
        watcher.recordLockQueue(traffic != null);
    }

    RevisionRun upgrade(Revision revision) throws SQLException {
        if (gated) {
            Capture.gateTables(connection);
        }
        Catalog before = Catalog.read(connection);
        Set<TableRef> busyNow = new HashSet<>(busy);
        busyNow.retainAll(before.rows().keySet());
        watcher.start();
        if (traffic != null) {
            traffic.start();
        }
        long startedUs = System.currentTimeMillis() * 1000;
        AlembicResult result;
        List<BackendSample> samples;
        List<TableTraffic> felt = List.of();
        try {
            result = alembic.upgrade(revision.id(), config.revisionTimeout());
        } finally {
            if (traffic != null) {
                felt = traffic.stop();
            }
            samples = watcher.stop();
        }
        TrafficObservation trafficObservation = traffic == null ? null : LockQueue.observe(felt, watcher.lockQueue(),
                before, startedUs, config.traffic().stallThreshold().toMillis());
        List<Statement> statements = StatementAssembler.assemble(samples, before, busyNow, config.versionTable());
        if (stats != null) {
            statements = stats.scale(statements, localRows(before, stats.tables().keySet()));
        }
        RevisionStatus status = result.succeeded() ? RevisionStatus.APPLIED : RevisionStatus.FAILED;
        String error = result.succeeded() ? null : result.timedOut()
                ? "did not finish within --revision-timeout " + config.revisionTimeout().toSeconds() + " s"
                : result.errorSummary();
        return new RevisionRun(revision, status, result.durationMs(), statements, busyNow, error,
                result.succeeded() ? null : result.failureSource(alembic.versionFolders()), trafficObservation);
    }

    /** Rows of the tables production's statistics know, as the revision found them: the planner's count once
     * analyzed, else an exact count (a table created or filled earlier in the chain). */
    private Map<TableRef, Long> localRows(Catalog before, Set<TableRef> known) throws SQLException {
        Map<TableRef, Long> rows = new HashMap<>();
        for (TableRef table : known) {
            Long estimate = before.rows().get(table);
            if (estimate == null) {
                continue;
            }
            if (estimate > 0) {
                rows.put(table, estimate);
                continue;
            }
            try (java.sql.Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("select count(*) from " + table.sql())) {
                rs.next();
                rows.put(table, rs.getLong(1));
            }
        }
        return rows;
    }
}
