package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.git.GitHistory;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.ServerInfo;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.postgres.PostgresServer;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.review.Review;
import dev.lockwatch.rules.FindingKinds;
import dev.lockwatch.postgres.SnapshotServer;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.traffic.TrafficGenerator;
import dev.lockwatch.watch.Capture;
import dev.lockwatch.watch.SchemaReader;
import dev.lockwatch.watch.LockWatcher;
import java.nio.file.Files;
import java.nio.file.Path;
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
        Review review = new Review(new FindingKinds(rules), config.allowances(), plan.graph().all());
        return review.apply(observe(plan));
    }

    /** Runs the plan's revisions and applies the rules; with nothing to verify, starts no server at all. */
    private VerifyReport observe(ChainPlan plan) {
        List<Finding> chainFindings = new ArrayList<>(FindingKinds.EDITED_APPLIED_REVISION.check(plan.git()));
        chainFindings.addAll(rules.checkChain(plan.summary()));
        Path repository = GitHistory.root(plan.ini().folder()).orElse(null);
        if (plan.revisions().isEmpty()) {
            progress.accept("nothing to verify: " + (plan.git() == null ? "no revision above the baseline"
                    : "this branch adds no revision file since " + plan.git().ref()));
            ServerInfo none = new ServerInfo("none", "", 0, "no revision to verify", "none");
            return new VerifyReport(plan.ini().folder(), none, plan.baselineLabel(), List.of(), chainFindings,
                    null, repository, plan.git());
        }
        AlembicRunner.requireInstalled(config.alembicCommand());
        BaselineSetup baseline = new BaselineSetup(config, progress);

        ChainPlan planned = plan;
        boolean cacheable = !plan.baseline().isEmpty() && config.cacheDir() != null && config.serverUrl() == null
                && config.data().restore() == null;
        Optional<BaselineCache> cache = cacheable ? Optional.of(new BaselineCache(config.cacheDir())) : Optional.empty();
        String cacheKey = cache.flatMap(c -> c.keyOf(planned, config.alembicCommand(), ServerStarter.embeddedKey(config),
                progress)).orElse(null);
        cache = cacheKey == null ? Optional.empty() : cache;
        Optional<BaselineCache.Entry> found = cache.flatMap(c -> c.lookup(cacheKey));
        Workspace workspace = cleanup.create(Workspace::create);
        AlembicRunner alembic = cleanup.create(() -> new AlembicRunner(config.alembicCommand(), planned.ini(),
                workspace.folder("alembic"), config.urlVariable(), !config.processPerRevision())); // Python starts now
        PostgresServer started;
        try {
            started = cleanup.create(() -> ServerStarter.start(config, workspace, progress,
                    found.map(BaselineCache.Entry::data)));
        } catch (LockwatchException e) {
            if (found.isEmpty()) {
                throw e;
            }
            cache.get().discard(cacheKey, e.getMessage(), progress); // a damaged entry: rebuilt by this run
            started = cleanup.create(() -> ServerStarter.start(config, workspace, progress, Optional.empty()));
        }
        PostgresServer server = started;
        Optional<BaselineCache.Entry> saved = found.filter(entry -> Files.isDirectory(entry.data())); // not discarded
        boolean restored = saved.isPresent() && server instanceof SnapshotServer;
        ScratchDatabase scratch = cleanup.create(() -> restored
                ? ScratchDatabase.adopt(server.admin(), saved.get().database()) : ScratchDatabase.create(server.admin()));
        DatabaseTarget target = scratch.target();
        boolean gated = scratch.superuser();
        ServerInfo info = new ServerInfo(server.provider(), scratch.serverVersion(), scratch.majorVersion(),
                server.detail(), gated ? ServerInfo.DETERMINISTIC : ServerInfo.BEST_EFFORT);
        progress.accept("postgres: " + server.provider() + " PostgreSQL " + scratch.serverVersion() + " ("
                + server.detail() + "), scratch database " + target.database());
        if (!gated) {
            progress.accept("postgres: role " + target.user() + " is not a superuser: no event triggers, capture is "
                    + "best-effort (polling pg_locks)");
        }

        alembic.useDatabase(target);
        ConnectionGuard.requireConnectsToScratch(alembic, scratch, config.urlVariable());
        if (restored) {
            progress.accept("baseline: " + plan.baselineLabel() + " restored from the cache in " + config.cacheDir());
        } else {
            plan = baseline.apply(plan, alembic, target, workspace, cleanup);
            if (cache.isPresent() && server instanceof SnapshotServer snapshots) {
                cache.get().store(cacheKey, snapshots, target.database());
                progress.accept("baseline: saved to the cache for the next run");
            }
        }
        try (Connection connection = ScratchDatabase.connect(target, config.revisionTimeout())) {
            SchemaReader schema = new SchemaReader(connection, config.versionTable(), scratch.majorVersion());
            Set<TableRef> busy = baseline.busyTables(schema.read());
            baseline.seed(connection, busy);
            if (gated) {
                Capture.install(connection, config.versionTable());
            }
            LockWatcher watcher = cleanup.register(LockWatcher.open(target, gated, config.pollIntervalMicros()));
            TrafficGenerator traffic = config.traffic() == null ? null
                    : cleanup.register(TrafficGenerator.open(target, List.copyOf(busy), config.traffic()));
            RevisionExecutor executor = new RevisionExecutor(config, alembic, watcher, connection, schema, busy, gated,
                    scratch.majorVersion(), baseline.stats(), traffic);
            DowngradeRoundTrip roundTrip = config.downgradeCheck()
                    ? new DowngradeRoundTrip(alembic, watcher, schema, config.revisionTimeout()) : null;
            List<RevisionResult> results = runChain(plan, executor, roundTrip);
            return new VerifyReport(plan.ini().folder(), info, plan.baselineLabel(), results, chainFindings,
                    baseline.report(busy), repository, plan.git());
        } catch (SQLException e) {
            throw LockwatchException.environment("lost the connection to the scratch database: " + e.getMessage(), e);
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


    private static String progressLine(int index, int total, RevisionResult result) {
        RevisionRun run = result.run();
        DowngradeCheck.Outcome downgrade = run.downgrade().outcome();
        return String.format("[%d/%d] %s %s: %s in %d ms, %d statement(s), %d error(s), %d warning(s)%s", index, total,
                run.revision().id(), run.revision().message(), run.status().label(), run.durationMs(),
                run.statements().size(), result.count(Severity.ERROR), result.count(Severity.WARNING),
                downgrade == DowngradeCheck.Outcome.NOT_CHECKED ? "" : ", downgrade round trip " + downgrade.label());
    }
}
