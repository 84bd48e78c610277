package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.ServerInfo;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.postgres.PostgresServer;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.watch.Capture;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.SchemaReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One {@code lockwatch verify}: plan, server, scratch database, baseline, then each revision under the
 * watcher, then the rules. Everything it starts is registered with the {@link Cleanup} it is given.
 */
public final class VerifyRun {
    private final VerifyConfig config;
    private final RuleSet rules;
    private final Cleanup cleanup;
    private final Consumer<String> progress;

    public VerifyRun(VerifyConfig config, RuleSet rules, Cleanup cleanup, Consumer<String> progress) {
        this.config = config;
        this.rules = rules;
        this.cleanup = cleanup;
        this.progress = progress;
    }

    public VerifyReport execute() {
        ChainPlan plan = ChainPlan.of(config);
        requireExecutable(config.alembicCommand());

        Workspace workspace = cleanup.register(Workspace.create());
        PostgresServer server = cleanup.register(ServerStarter.start(config, workspace, progress));
        ScratchDatabase scratch = cleanup.register(ScratchDatabase.create(server.admin()));
        DatabaseTarget target = scratch.target();
        boolean gated = scratch.superuser();
        ServerInfo info = new ServerInfo(server.provider(), scratch.serverVersion(), scratch.majorVersion(),
                server.detail(), gated ? "deterministic" : "best-effort");
        progress.accept("postgres: " + server.provider() + " PostgreSQL " + scratch.serverVersion()
                + ", scratch database " + target.database());

        AlembicRunner alembic = cleanup.register(new AlembicRunner(config.alembicCommand(), plan.ini(),
                workspace.folder("alembic"), config.urlVariable(), target));
        ConnectionGuard.requireConnectsToScratch(alembic, scratch, config.urlVariable());
        applyBaseline(plan, alembic);
        List<Finding> chainFindings = rules.checkChain(plan.summary());
        try (Connection connection = ScratchDatabase.connect(target)) {
            SchemaReader schema = new SchemaReader(connection, config.versionTable(), scratch.majorVersion());
            Set<TableRef> busy = busyTables(schema.read());
            if (gated) {
                Capture.install(connection, config.versionTable());
            }
            LockWatcher watcher = cleanup.register(LockWatcher.open(target, gated, config.pollIntervalMicros()));
            RevisionExecutor executor = new RevisionExecutor(config, alembic, watcher, connection, schema, busy, gated,
                    scratch.majorVersion());
            DowngradeRoundTrip roundTrip = config.downgradeCheck()
                    ? new DowngradeRoundTrip(alembic, watcher, schema, config.revisionTimeout()) : null;
            List<RevisionResult> results = runChain(plan, executor, roundTrip);
            return new VerifyReport(plan.ini().folder(), info, plan.baselineLabel(), results, chainFindings);
        } catch (SQLException e) {
            throw LockwatchException.environment("lost the connection to the scratch database: " + e.getMessage(), e);
        }
    }

    private void applyBaseline(ChainPlan plan, AlembicRunner alembic) {
        if (plan.baseline() == null) {
            return;
        }
        progress.accept("baseline: alembic upgrade " + plan.baseline());
        AlembicResult result = alembic.upgrade(plan.baseline(), config.revisionTimeout());
        if (!result.succeeded()) {
            throw LockwatchException.usage("the baseline (alembic upgrade " + plan.baseline() + ") failed: "
                    + result.lastErrorLine());
        }
    }

    /**
     * Each revision in turn, round-tripped through its downgrade unless that is off; after a failure (or a round
     * trip that left the database where the next revisions cannot run) the rest are reported as not run.
     */
    private List<RevisionResult> runChain(ChainPlan plan, RevisionExecutor executor, DowngradeRoundTrip roundTrip)
            throws SQLException {
        List<Revision> chain = plan.revisions();
        Set<String> applied = new HashSet<>(plan.baselineRevisions());
        List<RevisionResult> results = new ArrayList<>();
        boolean stopped = false;
        for (Revision revision : chain) {
            if (stopped) {
                results.add(new RevisionResult(RevisionRun.notRun(revision), List.of()));
                continue;
            }
            RevisionRun run = executor.upgrade(revision);
            if (run.status() == RevisionStatus.APPLIED) {
                applied.add(revision.id());
                if (roundTrip != null) {
                    Optional<String> target = plan.graph().downgradeTarget(revision.id(), applied);
                    run = run.withDowngrade(target.isPresent() ? roundTrip.check(run, target.get())
                            : DowngradeCheck.skipped("alembic cannot take back merge revision " + revision.id()
                                    + " alone: each of its parents has other applied revisions above it"));
                }
            }
            RevisionResult checked = new RevisionResult(run, rules.check(run));
            results.add(checked);
            progress.accept(progressLine(results.size(), chain.size(), checked));
            stopped = run.status() == RevisionStatus.FAILED || run.downgrade().chainStopped();
        }
        return results;
    }

    private Set<TableRef> busyTables(SchemaSnapshot baseline) {
        if (config.busyTables().isEmpty()) {
            return baseline.tables().keySet();
        }
        for (TableRef table : config.busyTables()) {
            if (!baseline.tables().containsKey(table)) {
                progress.accept("note: --busy-table " + table + " does not exist once the baseline is applied");
            }
        }
        return Set.copyOf(config.busyTables());
    }

    private static void requireExecutable(List<String> command) {
        String program = command.get(0);
        boolean found = program.contains("/") ? new java.io.File(program).canExecute()
                : java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                        .anyMatch(dir -> new java.io.File(dir, program).canExecute());
        if (!found) {
            throw LockwatchException.environment("'" + program + "' not found on PATH: install alembic "
                    + "(apt-get install alembic python3-psycopg2) or pass --alembic \"poetry run alembic\"");
        }
    }

    private static String progressLine(int index, int total, RevisionResult result) {
        RevisionRun run = result.run();
        DowngradeCheck.Outcome downgrade = run.downgrade().outcome();
        return String.format("[%d/%d] %s %s: %s in %d ms, %d statement(s), %d error(s), %d warning(s)%s", index, total,
                run.revision().id(), run.revision().message(), run.status().label(), run.durationMs(),
                run.statements().size(), result.count(Severity.ERROR), result.count(Severity.WARNING),
                downgrade == DowngradeCheck.Outcome.NOT_CHECKED ? "" : ", downgrade round trip " + downgrade.label());
    }
}
