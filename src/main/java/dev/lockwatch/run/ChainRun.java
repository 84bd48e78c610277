package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.DowngradeCheck.Restore;
import dev.lockwatch.model.JointDeploy;
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
    private final RetryCheck retry;
    private final Optional<DowngradeRoundTrip> roundTrip;
    private final Set<String> applied;
    private ChainSession session;

    /**
     * @param baselineCopy the baseline to put the database back from; present whenever the round trip is on
     * @param executor     upgrades one revision under the watcher
     * @param retry        tries a revision that commits in steps again after a lock timeout (retry-unsafe)
     */
    ChainRun(VerifyConfig config, RuleSet rules, ChainPlan plan, AlembicRunner alembic, DatabaseTarget target,
             boolean gated, int major, Set<TableRef> busy, Optional<BaselineCopy> baselineCopy, RevisionExecutor executor,
             RetryCheck retry, Cleanup cleanup, Consumer<String> progress) {
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
        this.retry = retry;
        this.cleanup = cleanup;
        this.progress = progress;
        this.roundTrip = config.downgradeCheck() ? Optional.of(new DowngradeRoundTrip(alembic, config.revisionTimeout()))
                : Optional.empty();
        this.applied = new HashSet<>(plan.baselineRevisions());
        this.session = openSession();
    }

    /**
     * The revisions as one deploy ({@link JointUpgrade}), judged, then round-tripped as the stairway (from the baseline
     * copy, unwatched). When the deploy fails: what it committed keeps its verdicts, and the rest are verified as
     * their own deploys; the revision it failed at, when it runs on its own, fails only deployed together.
     */
    List<RevisionResult> deploy(List<Revision> revisions, List<String> targets) throws SQLException {
        JointUpgrade.Outcome outcome = new JointUpgrade(executor).deploy(revisions, targets, session);
        if (outcome.succeeded()) {
            progress.accept("deploy: " + outcome.command() + " applied " + revisions.size() + " revision(s)");
            applied.addAll(outcome.committed());
            return judge(stairway(outcome.runs()));
        }
        Revision failed = outcome.failed().get();
        progress.accept("deploy: " + outcome.command() + " failed at revision " + failed.id() + ": "
                + firstLine(outcome.error()) + "; verifying the revisions it did not apply as their own deploys");
        List<RevisionRun> committed = outcome.runs().stream()
                .filter(r -> outcome.committed().contains(r.revision().id())).toList();
        applied.addAll(outcome.committed());
        List<RevisionResult> results = new ArrayList<>(judge(stairway(committed)));
        List<Revision> rest = revisions.stream().filter(r -> !outcome.committed().contains(r.id())).toList();
        List<String> together = rest.stream().takeWhile(r -> !r.equals(failed))
                .filter(r -> plan.graph().ancestorsInclusive(failed.id()).contains(r.id())).map(Revision::id).toList();
        for (RevisionResult result : stepEach(rest)) {
            RevisionRun run = result.run();
            boolean failsOnlyTogether = run.revision().equals(failed) && run.status() == RevisionStatus.APPLIED
                    && !together.isEmpty();
            results.add(failsOnlyTogether ? judge(run.withDeploy(run.deploy().withCommand(outcome.command())
                    .withFailedTogether(new JointDeploy.FailedTogether(outcome.error(), together,
                            Optional.ofNullable(outcome.runs().get(revisions.indexOf(failed)).failedAt()))))) : result);
        }
        return results;
    }

    /**
     * The round trip of revisions a joint deploy applied, as the stairway: from the baseline copy, each revision
     * upgraded, downgraded one step and upgraded again, unwatched; the database ends where the deploy left it.
     */
    private List<RevisionRun> stairway(List<RevisionRun> runs) throws SQLException {
        if (roundTrip.isEmpty() || runs.isEmpty()) {
            return runs;
        }
        Set<String> deployed = new HashSet<>(applied);
        applied.clear();
        applied.addAll(plan.baselineRevisions());
        rebuild();
        List<RevisionRun> checked = new ArrayList<>();
        String broken = null;
        for (RevisionRun run : runs) {
            String id = run.revision().id();
            if (broken != null) {
                checked.add(run.withDowngrade(DowngradeCheck.skipped(broken)));
                continue;
            }
            SchemaSnapshot before = session.schema().readShape();
            AlembicResult up = unwatched(() -> alembic.upgradeUnjudged(id, config.revisionTimeout()));
            if (!up.succeeded()) {
                broken = "the round trip's stairway stopped: alembic upgrade " + id + " alone failed (" + up.lastErrorLine()
                        + ")";
                checked.add(run.withDowngrade(DowngradeCheck.skipped(broken)));
                continue;
            }
            applied.add(id);
            checked.add(run.withDowngrade(roundTrip(id, before, session.schema().readShape(), false)));
        }
        if (broken != null || !applied.equals(deployed)) {
            applied.clear();
            applied.addAll(deployed);
            rebuild();
        }
        return checked;
    }

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
                run = run.withDowngrade(roundTrip(revision.id(), run.before(), run.after(), true));
            }
            RevisionResult checked = judge(run);
            results.add(checked);
            progress.accept(progressLine(results.size(), revisions.size(), checked));
            failed = run.status() == RevisionStatus.FAILED;
        }
        return results;
    }

    private List<RevisionResult> judge(List<RevisionRun> runs) {
        List<RevisionResult> results = new ArrayList<>();
        for (RevisionRun run : runs) {
            RevisionResult result = judge(run);
            results.add(result);
            progress.accept(progressLine(results.size(), runs.size(), result));
        }
        return results;
    }

    private RevisionResult judge(RevisionRun run) {
        return new RevisionResult(run.judged(), retry.withFindings(run, rules.check(run)));
    }

    private static String firstLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    private DowngradeCheck roundTrip(String id, SchemaSnapshot before, SchemaSnapshot after, boolean nextCountsRows)
            throws SQLException {
        if (roundTrip.isEmpty()) {
            return DowngradeCheck.notChecked();
        }
        Optional<String> down = plan.graph().downgradeTarget(id, applied);
        return down.isPresent() ? roundTrip.get().check(id, before, after, down.get(), session, this, nextCountsRows)
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
        rebuild();
        return Restore.REPLAY;
    }

    /** The database made again from the baseline copy, then every applied revision upgraded to, unwatched. */
    private void rebuild() {
        BaselineCopy copy = baselineCopy.orElseThrow(() -> new IllegalStateException("no baseline copy to restore"));
        session.close();
        cleanup.remake(copy::restore);
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
