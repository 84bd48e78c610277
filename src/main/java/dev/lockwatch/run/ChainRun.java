package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.DowngradeCheck.Restore;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.SchemaDiff;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.rules.RuleSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The chain's revisions on the scratch database, each judged, then round-tripped through its downgrade unless that
 * is off. Keeps track of what is applied, so that whatever a downgrade does the database can be put back where the
 * chain needs it (the round trip never stops the chain).
 */
final class ChainRun implements DowngradeRoundTrip.Restorer {
    private final VerifyConfig config;
    private final RuleSet rules;
    private final ChainPlan plan;
    private final AlembicRunner alembic;
    private final DatabaseTarget target;
    private final boolean gated;
    private final int major;
    private final Set<TableRef> busy;
    private final Optional<BaselineCopy> baselineCopy;
    private final Cleanup cleanup;
    private final Consumer<String> progress;
    private final RevisionExecutor executor;
    private final Optional<DowngradeRoundTrip> roundTrip;
    private final Set<String> applied;
    private ChainSession session;

    /**
     * @param baselineCopy the baseline to put the database back from; present whenever the round trip is on
     * @param executor     upgrades one revision under the watcher
     */
    ChainRun(VerifyConfig config, RuleSet rules, ChainPlan plan, AlembicRunner alembic, DatabaseTarget target,
             boolean gated, int major, Set<TableRef> busy, Optional<BaselineCopy> baselineCopy, RevisionExecutor executor,
             Cleanup cleanup, Consumer<String> progress) {
        this.config = config;
        this.rules = rules;
        this.plan = plan;
        this.alembic = alembic;
        this.target = target;
        this.gated = gated;
        this.major = major;
        this.busy = Set.copyOf(busy);
        this.baselineCopy = baselineCopy;
        this.executor = executor;
        this.cleanup = cleanup;
        this.progress = progress;
        this.roundTrip = config.downgradeCheck() ? Optional.of(new DowngradeRoundTrip(alembic, config.revisionTimeout()))
                : Optional.empty();
        this.applied = new HashSet<>(plan.baselineRevisions());
        this.session = openSession();
    }

    /** Each revision as its own deploy; after a failed upgrade the rest are reported as not run. */
    List<RevisionResult> stepEach(List<Revision> revisions) throws SQLException {
        List<RevisionResult> results = new ArrayList<>();
        boolean failed = false;
        for (Revision revision : revisions) {
            if (failed) {
                results.add(new RevisionResult(RevisionRun.notRun(revision), List.of()));
                continue;
            }
            RevisionRun run = executor.upgrade(revision, session);
            if (run.status() == RevisionStatus.APPLIED) {
                applied.add(revision.id());
                run = run.withDowngrade(roundTrip(run));
            }
            RevisionResult checked = new RevisionResult(run, rules.check(run));
            results.add(checked);
            progress.accept(progressLine(results.size(), revisions.size(), checked));
            failed = run.status() == RevisionStatus.FAILED;
        }
        return results;
    }

    private DowngradeCheck roundTrip(RevisionRun run) throws SQLException {
        if (roundTrip.isEmpty()) {
            return DowngradeCheck.notChecked();
        }
        String id = run.revision().id();
        Optional<String> down = plan.graph().downgradeTarget(id, applied);
        return down.isPresent() ? roundTrip.get().check(run, down.get(), session, this)
                : DowngradeCheck.skipped("alembic cannot take back merge revision " + id + " alone: each of its parents "
                        + "has other applied revisions above it");
    }

    /**
     * Stamps the revision back when its schema is intact (only the version row moved, as after a downgrade that
     * changed nothing); otherwise rebuilds the database from the baseline copy and replays what is applied.
     */
    @Override
    public Restore backTo(String revision, SchemaSnapshot after) throws SQLException {
        if (SchemaDiff.between(after, session.schema().readShape()).isEmpty()) {
            AlembicResult stamp = unwatched(() -> alembic.stamp(revision, config.revisionTimeout()));
            if (stamp.succeeded() && session.schema().readShape().versions().equals(after.versions())) {
                return Restore.STAMP;
            }
        }
        replay();
        return Restore.REPLAY;
    }

    /** The database made again from the baseline copy, then every applied revision upgraded to, unwatched. */
    private void replay() {
        BaselineCopy copy = baselineCopy.orElseThrow(() -> new IllegalStateException("no baseline copy to restore"));
        session.close();
        copy.restore();
        session = openSession();
        for (String tip : plan.graph().tips(applied)) {
            AlembicResult result = unwatched(() -> alembic.upgradeUnjudged(tip, config.revisionTimeout()));
            if (!result.succeeded()) {
                throw LockwatchException.environment("replaying the chain up to " + tip + " on lockwatch's copy of the "
                        + "baseline failed, though it ran before: " + result.lastErrorLine());
            }
        }
    }

    private AlembicResult unwatched(java.util.function.Supplier<AlembicResult> step) {
        return WatchedRun.unwatched(session.watcher(), step).result();
    }

    private ChainSession openSession() {
        return cleanup.register(ChainSession.open(config, target, gated, major, busy));
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
