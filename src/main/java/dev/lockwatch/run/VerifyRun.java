package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.git.GitHistory;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.ServerInfo;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.postgres.PostgresServer;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.review.Review;
import dev.lockwatch.rules.FindingKinds;
import dev.lockwatch.postgres.SnapshotServer;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.watch.Capture;
import dev.lockwatch.watch.SchemaReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One {@code lockwatch verify}: plan, server, scratch database, baseline, then the chain ({@link ChainRun}) under the
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

        alembic.useDatabase(target, scratch.guardToken());
        ConnectionGuard.requireConnectsToScratch(alembic, config.alembicCommand());
        if (restored) {
            progress.accept("baseline: " + plan.baselineLabel() + " restored from the cache in " + config.cacheDir());
        } else {
            plan = baseline.apply(plan, alembic, target, workspace, cleanup);
            if (cache.isPresent() && server instanceof SnapshotServer snapshots) {
                cache.get().store(cacheKey, snapshots, target.database());
                progress.accept("baseline: saved to the cache for the next run");
            }
        }
        Set<TableRef> busy;
        try (Connection connection = ScratchDatabase.connect(target, config.revisionTimeout())) {
            SchemaReader schema = new SchemaReader(connection, config.versionTable(), scratch.majorVersion());
            busy = baseline.busyTables(schema.read());
            baseline.seed(connection, busy);
            if (gated) {
                Capture.install(connection, config.versionTable());
            }
        } catch (SQLException e) {
            throw LockwatchException.environment("lost the connection to the scratch database: " + e.getMessage(), e);
        }
        // the round trip puts the database back from this copy when a downgrade leaves it where the chain cannot go on
        Optional<BaselineCopy> copy = config.downgradeCheck() ? Optional.of(cleanup.create(() -> BaselineCopy.take(scratch)))
                : Optional.empty();
        // without --from or --git-base each revision shipped as its own deploy: what exists before it is busy
        // (--from defaults to "base", never null)
        boolean busyPerRevision = config.step() && "base".equals(config.from()) && config.gitBase() == null
                && config.busyTables().isEmpty() && baseline.stats() == null;
        progress.accept(busyPerRevision
                ? "busy tables: those that exist before each revision (each revision is its own deploy; "
                        + "--from makes the pending revisions one deploy)"
                : "busy tables: " + busy.size() + " that exist at the baseline (the pending revisions are one deploy)");
        RevisionExecutor executor = new RevisionExecutor(config, alembic, busy, busyPerRevision, gated,
                scratch.majorVersion(), baseline.stats());
        RetryCheck retry = cleanup.register(new RetryCheck(config, rules, plan.ini(), workspace, cleanup, server.admin(),
                scratch.majorVersion(), gated, progress));
        try {
            ChainRun chain = new ChainRun(config, rules, plan, alembic, target, gated, scratch.majorVersion(), busy, copy,
                    executor, retry, cleanup, progress);
            List<RevisionResult> results = joint(plan) ? chain.deploy(plan.revisions(), plan.targets())
                    : chain.stepEach(plan.revisions());
            if (results.stream().allMatch(r -> r.run().busyTables().isEmpty())) {
                progress.accept("note: no revision ran against a busy table, so no lock was judged: every table was "
                        + "created by the revision that locked it");
            }
            return new VerifyReport(plan.ini().folder(), info, plan.baselineLabel(), results, chainFindings,
                    baseline.report(busy), repository, plan.git());
        } catch (SQLException e) {
            throw LockwatchException.environment("lost the connection to the scratch database: " + e.getMessage(), e);
        }
    }

    /**
     * With --from, --git-base or a dump, the pending revisions are one deploy, as production runs them; without (or
     * with --step), {@link VerifyConfig#step()}: each revision is its own deploy, as it shipped.
     */
    private boolean joint(ChainPlan plan) {
        return !config.step() && plan.revisions().size() > 1;
    }
}
