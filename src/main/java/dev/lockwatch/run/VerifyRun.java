package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicIni;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.alembic.ScriptDirectoryReader;
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
import dev.lockwatch.capture.Capture;
import dev.lockwatch.capture.GateProtocol;
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

    /**
     * What a run observed, before its review: the review and the report need nothing the run started, so the server,
     * alembic and the temp folder may go meanwhile.
     */
    public record Observed(VerifyReport report, Review review) {
        /** The report, its findings located, suppressed as comments and allowances say, and chain settings folded. */
        public VerifyReport reviewed() {
            return review.apply(report);
        }
    }

    public Observed execute() {
        AlembicIni ini = AlembicIni.read(config.configFile(), config.iniSection());
        AlembicRunner.requireInstalled(config.alembicCommand());
        Workspace workspace = cleanup.create(Workspace::create);
        Optional<StartingServer<ScratchDatabase>> early = startsEarly()
                ? Optional.of(StartingServer.begin(cleanup, () -> ServerStarter.start(config, workspace, progress,
                        Optional.empty()), ScratchDatabase::create))
                : Optional.empty();
        AlembicRunner alembic = cleanup.create(() -> new AlembicRunner(config.alembicCommand(), ini,
                workspace.folder("alembic"), config.urlVariable(), !config.processPerRevision())); // Python starts now
        // the round trip's own alembic (see Stairway) starts alongside too, when the run is sure to need it
        Optional<AlembicRunner> stairwayAlembic = early.isPresent() && config.downgradeCheck()
                ? Optional.of(stairwayAlembic(ini, workspace)) : Optional.empty();
        ChainPlan plan = ChainPlan.of(config, ini, new ScriptDirectoryReader(ini, config.alembicCommand(),
                config.urlVariable(), Optional.of(alembic))); // read by the driver, when there is one
        Review review = new Review(new FindingKinds(rules), config.allowances(), plan.graph().all());
        return new Observed(observe(plan, workspace, alembic, stairwayAlembic, early,
                () -> review.readAhead(plan.revisions())), review);
    }

    /** The alembic of the round trip's database ({@link Stairway}): a driver process of its own; Python starts now. */
    private AlembicRunner stairwayAlembic(AlembicIni ini, Workspace workspace) {
        return cleanup.create(() -> new AlembicRunner(config.alembicCommand(), ini, workspace.folder("stairway"),
                config.urlVariable(), !config.processPerRevision()));
    }

    /**
     * Whether the server starts before the revision graph is read, alongside it: when the run is sure to need one
     * that no cached baseline replaces. Not with a server URL (there is nothing to start), a cacheable baseline
     * (the cache entry, known only from the graph, decides what the server starts from), or {@code --git-base}
     * (a branch without a new revision, common in CI, needs no server at all).
     */
    private boolean startsEarly() {
        boolean cacheable = config.cacheDir() != null && config.data().restore() == null
                && (config.from() != null || config.gitBase() != null);
        return config.serverUrl() == null && !cacheable && config.gitBase() == null;
    }

    /**
     * Runs the plan's revisions and applies the rules; with nothing to verify, uses no server at all (and stops one
     * started early).
     *
     * @param meanwhile work of lockwatch's own that the first upgrade's wait for alembic can take
     */
    private VerifyReport observe(ChainPlan plan, Workspace workspace, AlembicRunner alembic,
                                 Optional<AlembicRunner> stairwayAlembic, Optional<StartingServer<ScratchDatabase>> early,
                                 Runnable meanwhile) {
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
        BaselineSetup baseline = new BaselineSetup(config, progress);

        ChainPlan planned = plan;
        boolean cacheable = early.isEmpty() && !plan.baseline().isEmpty() && config.cacheDir() != null
                && config.serverUrl() == null && config.data().restore() == null;
        Optional<BaselineCache> cache = cacheable ? Optional.of(new BaselineCache(config.cacheDir())) : Optional.empty();
        String cacheKey = cache.flatMap(c -> c.keyOf(planned, config.alembicCommand(), ServerStarter.embeddedKey(config),
                progress)).orElse(null);
        cache = cacheKey == null ? Optional.empty() : cache;
        Optional<BaselineCache.Entry> found = cache.flatMap(c -> c.lookup(cacheKey));
        PostgresServer started;
        if (early.isPresent()) {
            started = early.get().await();
        } else {
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
        }
        PostgresServer server = started;
        Optional<BaselineCache.Entry> saved = found.filter(entry -> Files.isDirectory(entry.data())); // not discarded
        Optional<ScratchDatabase> adopted = Optional.empty();
        if (saved.isPresent() && server instanceof SnapshotServer) {
            try {
                adopted = Optional.of(cleanup.create(() -> ScratchDatabase.adopt(server.admin(), saved.get().database())));
            } catch (LockwatchException e) {
                // the server started, but the entry's database is not in it: damaged too, so rebuilt on this server
                cache.get().discard(cacheKey, e.getMessage(), progress);
            }
        }
        boolean restored = adopted.isPresent();
        ScratchDatabase scratch = adopted.map(database -> database.goesWith(server))
                .or(() -> early.map(StartingServer::made))
                .orElseGet(() -> cleanup.create(() -> ScratchDatabase.create(server)));
        DatabaseTarget target = scratch.target();
        boolean gated = scratch.superuser();
        ServerInfo info = new ServerInfo(server.provider(), scratch.serverVersion(), scratch.majorVersion(),
                server.detail(), gated ? ServerInfo.DETERMINISTIC : ServerInfo.BEST_EFFORT);
        progress.accept("postgres: " + server.provider() + " PostgreSQL " + scratch.serverVersion() + " ("
                + server.detail() + "), scratch database " + target.database());
        if (!gated) {
            progress.accept("postgres: role " + target.user() + " is not a superuser: no event triggers, capture is "
                    + "best-effort (polling pg_locks)");
            // no gate pauses a statement: the migration's session reads its own locks after each one instead
            alembic.reportAfterStatements(GateProtocol.afterEveryStatement());
        } else {
            alembic.reportAfterStatements(GateProtocol.afterUngatedStatements(scratch.majorVersion()));
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
        // the round trip climbs on a database made from this copy, and made again from it when a downgrade leaves it
        // where the chain cannot go on
        ChainPlan baselined = plan;
        Optional<Stairway.Setup> stairway = config.downgradeCheck()
                ? Optional.of(new Stairway.Setup(config, plan.graph(), Set.copyOf(plan.baselineRevisions()),
                        BaselineCopy.take(scratch, server.admin(), cleanup),
                        stairwayAlembic.orElseGet(() -> stairwayAlembic(baselined.ini(), workspace)), cleanup))
                : Optional.empty();
        // each revision its own deploy: what exists before it is busy; tables named or measured are busy once they exist
        boolean busyPerRevision = config.deploy().busyPerRevision() && config.busyTables().isEmpty()
                && baseline.stats() == null;
        progress.accept(busyPerRevision
                ? "busy tables: those that exist before each revision (each revision is its own deploy; "
                        + "--from makes the pending revisions one deploy)"
                : config.deploy().busyPerRevision()
                        ? "busy tables: the " + busy.size() + " named, once they exist (each revision is its own deploy)"
                        : "busy tables: " + busy.size() + " that exist at the baseline (the pending revisions are one deploy)");
        RevisionExecutor executor = new RevisionExecutor(config, alembic, busy, busyPerRevision, gated,
                scratch.majorVersion(), baseline.stats());
        RetryCheck retry = cleanup.register(new RetryCheck(config, rules, plan.ini(), workspace, cleanup, server.admin(),
                scratch.majorVersion(), gated, progress));
        try {
            ChainRun chain = new ChainRun(config, rules, plan, target, gated, scratch.majorVersion(), busy, stairway,
                    executor, retry, cleanup, progress);
            List<RevisionResult> results = joint(plan) ? chain.deploy(plan.revisions(), plan.targets(), meanwhile)
                    : chain.stepEach(plan.revisions(), meanwhile);
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

    /** One {@code alembic upgrade} of the pending revisions, as production runs them: {@link VerifyConfig#deploy()}. */
    private boolean joint(ChainPlan plan) {
        return config.deploy().oneUpgrade() && plan.revisions().size() > 1;
    }
}
