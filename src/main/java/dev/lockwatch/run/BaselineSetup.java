package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.DataOptions;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.data.DumpFile;
import dev.lockwatch.data.DumpRestore;
import dev.lockwatch.data.SeedData;
import dev.lockwatch.data.TableStats;
import dev.lockwatch.model.BaselineData;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.model.SchemaSnapshot;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Makes the baseline a run verifies against: {@code alembic upgrade <from>} or a restored dump, then which
 * tables are busy (all, named, or production's statistics) and synthetic rows in them. The inputs are read
 * before anything starts, so a bad file fails fast.
 */
final class BaselineSetup {
    private final VerifyConfig config;
    private final Consumer<String> progress;
    private final DumpFile dump;
    private final TableStats stats;
    private BaselineData.Restore restored;
    private BaselineData.Seed seeded;

    BaselineSetup(VerifyConfig config, Consumer<String> progress) {
        this.config = config;
        this.progress = progress;
        DataOptions data = config.data();
        this.dump = data.restore() == null ? null : DumpFile.open(data.restore());
        this.stats = data.tableStats() == null ? null : TableStats.read(data.tableStats());
    }

    /** Production's statistics, or null without --table-stats. */
    TableStats stats() {
        return stats;
    }

    /** Applies the baseline; with a dump, returns the plan above the dump's revisions. */
    ChainPlan apply(ChainPlan plan, AlembicRunner alembic, DatabaseTarget target, Workspace workspace, Cleanup cleanup) {
        if (dump == null) {
            upgrade(plan, alembic);
            return plan;
        }
        progress.accept("baseline: restoring " + dump.path() + " (" + dump.format().label() + ")");
        DumpRestore restore = cleanup.register(new DumpRestore(config.data().pgBin(), workspace.folder("restore")));
        restore.restore(dump, target, config.revisionTimeout()).ifPresent(progress);
        try (Connection connection = ScratchDatabase.connect(target); Statement s = connection.createStatement()) {
            s.execute("analyze"); // dumps carry no planner statistics; reltuples feed the estimates
            List<String> versions = DumpRestore.alembicVersions(connection, config.versionTable(), dump.path());
            ChainPlan above = plan.above(versions, dump.path().toString());
            progress.accept("baseline: the dump is at " + (versions.isEmpty() ? "base" : String.join(", ", versions))
                    + "; " + above.revisions().size() + " revision(s) to verify above it");
            restored = new BaselineData.Restore(dump.path().toString(), dump.format().label(), versions);
            return above;
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot read the restored database: " + e.getMessage(), e);
        }
    }

    /** One alembic upgrade per baseline tip (several with --git-base on a branched chain; none for base). */
    private void upgrade(ChainPlan plan, AlembicRunner alembic) {
        for (String revision : plan.baseline()) {
            progress.accept("baseline: alembic upgrade " + revision);
            AlembicResult result = alembic.upgrade(revision, config.revisionTimeout());
            if (!result.succeeded()) {
                throw LockwatchException.usage("the baseline (alembic upgrade " + revision + ") failed: "
                        + result.lastErrorLine());
            }
        }
    }

    /**
     * The busy tables of the baseline: those --busy-table names, plus with --table-stats those production's
     * statistics make busy; without either, every table.
     */
    Set<TableRef> busyTables(SchemaSnapshot baseline) {
        for (TableRef table : config.busyTables()) {
            // from base nothing exists yet: a named table is busy for the revisions that run once it exists
            if (!baseline.tables().isEmpty() && !baseline.tables().containsKey(table)) {
                // a typo would otherwise leave no busy table and pass every revision
                throw LockwatchException.usage("--busy-table " + table + " does not exist once the baseline is applied"
                        + DidYouMean.among(table.toString(), baseline.tables().keySet().stream().map(TableRef::toString)
                                .toList()).map(name -> ": did you mean " + name + "?").orElse(""));
            }
        }
        if (stats == null) {
            return config.busyTables().isEmpty()
                    ? baseline.tables().keySet().stream().filter(t -> !t.name().equals(config.versionTable()))
                            .collect(java.util.stream.Collectors.toUnmodifiableSet()) // alembic's bookkeeping serves no traffic
                    : Set.copyOf(config.busyTables());
        }
        Set<TableRef> fromStats = stats.busy(config.data().busyMinWrites(), config.data().busyMinRows());
        Set<TableRef> busy = new TreeSet<>(config.busyTables());
        fromStats.stream().filter(t -> baseline.tables().containsKey(t)).forEach(busy::add);
        long missing = fromStats.stream().filter(t -> !baseline.tables().containsKey(t)).count();
        progress.accept("table stats: " + busy.size() + " busy table(s) of " + stats.tables().size() + " in "
                + stats.file() + (missing > 0 ? "; " + missing + " busy in production do not exist here" : ""));
        return busy;
    }

    /** With --seed-rows, fills the busy tables. */
    void seed(Connection connection, Set<TableRef> busy) throws SQLException {
        long rows = config.data().seedRows();
        if (rows <= 0) {
            return;
        }
        Set<TableRef> tables = new TreeSet<>(busy);
        tables.removeIf(t -> t.name().equals(config.versionTable())); // alembic's bookkeeping is not data
        progress.accept("seed: " + rows + " rows in each of " + tables.size() + " busy table(s)");
        SeedData.Outcome outcome = new SeedData(connection, rows, progress).fill(tables);
        seeded = new BaselineData.Seed(rows, outcome.filled(), outcome.skipped());
    }

    BaselineData report(Set<TableRef> busy) {
        BaselineData.TableStatsUse statsUse = stats == null ? null : new BaselineData.TableStatsUse(
                stats.file().toString(), stats.tables().size(), config.data().busyMinWrites(),
                config.data().busyMinRows(), List.copyOf(new TreeSet<>(busy)));
        return new BaselineData(restored, seeded, statsUse);
    }
}
