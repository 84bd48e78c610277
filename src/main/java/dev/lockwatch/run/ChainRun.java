package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.JointDeploy;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.rules.RuleSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The chain's revisions on the scratch database, each judged; unless it is off, the downgrade round trip of each
 * climbs alongside on a database of its own ({@link Stairway}), and each revision's check joins its run before it is
 * judged and reported.
 */
final class ChainRun {
    private final RuleSet rules;
    private final ChainPlan plan;
    private final Consumer<String> progress;
    private final RevisionExecutor executor;
    private final RetryCheck retry;
    private final Optional<Stairway.Setup> stairway;
    private final ChainSession session;

    /**
     * @param stairway what the round trip climbs with; present whenever the round trip is on
     * @param executor upgrades one revision under the watcher
     * @param retry    tries a revision that commits in steps again after a lock timeout (retry-unsafe)
     */
    ChainRun(VerifyConfig config, RuleSet rules, ChainPlan plan, DatabaseTarget target, boolean gated, int major,
             Set<TableRef> busy, Optional<Stairway.Setup> stairway, RevisionExecutor executor, RetryCheck retry,
             Cleanup cleanup, Consumer<String> progress) {
        this.rules = rules;
        this.plan = plan;
        this.stairway = stairway;
        this.executor = executor;
        this.retry = retry;
        this.progress = progress;
        this.session = cleanup.register(ChainSession.open(config, target, gated, major, busy));
    }

    /**
     * The revisions as one deploy ({@link JointUpgrade}), judged, each with its round trip as the stairway climbs it.
     * When the deploy fails: what it committed keeps its verdicts, and the rest are verified as their own deploys;
     * the revision it failed at, when it runs on its own, fails only deployed together.
     *
     * @param meanwhile work of lockwatch's own that runs while alembic deploys
     */
    List<RevisionResult> deploy(List<Revision> revisions, List<String> targets, Runnable meanwhile) throws SQLException {
        Optional<Stairway> climbing = stairway.map(s -> s.climb(revisions)); // alongside the deploy, from the baseline
        try {
            JointUpgrade.Outcome outcome = new JointUpgrade(executor).deploy(revisions, targets, session, meanwhile);
            if (outcome.succeeded()) {
                progress.accept("deploy: " + outcome.command() + " applied " + revisions.size() + " revision(s)");
                return judge(outcome.runs(), climbing);
            }
            Revision failed = outcome.failed().get();
            progress.accept("deploy: " + outcome.command() + " failed at revision " + failed.id() + ": "
                    + AlembicResult.headline(outcome.error())
                    + "; verifying the revisions it did not apply as their own deploys");
            List<RevisionRun> committed = outcome.runs().stream()
                    .filter(r -> outcome.committed().contains(r.revision().id())).toList();
            List<RevisionResult> results = new ArrayList<>(judge(committed, climbing));
            List<Revision> rest = revisions.stream().filter(r -> !outcome.committed().contains(r.id())).toList();
            List<String> together = rest.stream().takeWhile(r -> !r.equals(failed))
                    .filter(r -> plan.graph().ancestorsInclusive(failed.id()).contains(r.id())).map(Revision::id).toList();
            for (RevisionResult result : stepEach(rest, climbing, () -> { })) {
                RevisionRun run = result.run();
                boolean failsOnlyTogether = run.revision().equals(failed) && run.status() == RevisionStatus.APPLIED
                        && !together.isEmpty();
                results.add(failsOnlyTogether ? judge(run.withDeploy(run.deploy().withCommand(outcome.command())
                        .withFailedTogether(new JointDeploy.FailedTogether(outcome.error(), together,
                                Optional.ofNullable(outcome.runs().get(revisions.indexOf(failed)).failedAt()))))) : result);
            }
            return results;
        } finally {
            climbing.ifPresent(Stairway::close);
        }
    }

    /**
     * Each revision its own deploy, judged, with its round trip as the stairway climbs it alongside.
     *
     * @param meanwhile work of lockwatch's own that runs while alembic upgrades the first revision
     */
    List<RevisionResult> stepEach(List<Revision> revisions, Runnable meanwhile) throws SQLException {
        Optional<Stairway> climbing = stairway.map(s -> s.climb(revisions));
        try {
            return stepEach(revisions, climbing, meanwhile);
        } finally {
            climbing.ifPresent(Stairway::close);
        }
    }

    /**
     * Upgrades each revision, judged, until one fails; a revision is reported once the stairway has climbed it too,
     * in order, without holding up the next upgrade: while alembic runs the next one, lockwatch assembles, judges
     * and reports those before it, except a revision whose retry check runs revisions of its own (that waits until
     * the upgrade is done, as nothing else runs while a judged upgrade does).
     */
    private List<RevisionResult> stepEach(List<Revision> revisions, Optional<Stairway> climbing, Runnable first)
            throws SQLException {
        List<RevisionResult> results = new ArrayList<>();
        Deque<RevisionExecutor.Upgraded> unreported = new ArrayDeque<>();
        boolean failed = false;
        Revision previous = null;
        for (Revision revision : revisions) {
            if (failed) {
                unreported.add(RevisionExecutor.Upgraded.of(RevisionRun.notRun(revision)));
                continue;
            }
            SQLException[] reportFailed = new SQLException[1]; // what the report, run meanwhile, could not throw
            Runnable alsoMeanwhile = previous == null ? first : () -> { }; // the first upgrade's wait takes it
            RevisionExecutor.Upgraded upgraded = executor.upgrade(revision, session, () -> {
                alsoMeanwhile.run();
                try {
                    report(unreported, results, revisions.size(), climbing, false, true);
                } catch (SQLException e) {
                    reportFailed[0] = e;
                }
            });
            if (reportFailed[0] != null) {
                throw reportFailed[0];
            }
            // a revision that left a session holding a lock fails when the read after it says so: as the next starts
            Revision stop = upgraded.status() == RevisionStatus.FAILED ? revision
                    : upgraded.status() == RevisionStatus.NOT_RUN ? previous : null;
            if (stop != null) {
                failed = true;
                climbing.ifPresent(s -> s.stopAt(stop));
            }
            previous = revision;
            if (!unreported.isEmpty() && retryChecked(unreported.peek())) {
                report(unreported, results, revisions.size(), climbing, false, false);
            }
            unreported.add(upgraded);
        }
        report(unreported, results, revisions.size(), climbing, true, false);
        return results;
    }

    /** A run whose retry check may run revisions of its own ({@link RetryCheck}). */
    private static boolean retryChecked(RevisionExecutor.Upgraded upgraded) {
        return upgraded.status() == RevisionStatus.APPLIED && RetryCheck.committedParts(upgraded.run());
    }

    /**
     * Judges and reports the runs whose round trip is done, in order; with {@code all}, waits for the rest. With
     * {@code whileUpgrading}, stops at a run whose retry check may run revisions.
     */
    private void report(Deque<RevisionExecutor.Upgraded> unreported, List<RevisionResult> results, int total,
                        Optional<Stairway> climbing, boolean all, boolean whileUpgrading) throws SQLException {
        while (!unreported.isEmpty()) {
            RevisionExecutor.Upgraded next = unreported.peek();
            if (next.status() == RevisionStatus.NOT_RUN) {
                results.add(new RevisionResult(unreported.poll().run(), List.of()));
                continue;
            }
            boolean roundTrip = climbing.isPresent() && next.status() == RevisionStatus.APPLIED;
            if (roundTrip && !all && !climbing.get().climbed(next.revision())
                    || whileUpgrading && retryChecked(next)) {
                return;
            }
            unreported.poll();
            RevisionRun run = next.run();
            RevisionResult checked = judge(roundTrip ? run.withDowngrade(climbing.get().check(run.revision())) : run);
            results.add(checked);
            progress.accept(progressLine(results.size(), total, checked));
        }
    }

    /** The runs of a joint deploy, each with its round trip, judged and reported in order. */
    private List<RevisionResult> judge(List<RevisionRun> runs, Optional<Stairway> climbing) throws SQLException {
        List<RevisionRun> checked = new ArrayList<>();
        for (RevisionRun run : runs) {
            checked.add(climbing.isPresent() ? run.withDowngrade(climbing.get().check(run.revision())) : run);
        }
        return judge(checked);
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

    private static String progressLine(int index, int total, RevisionResult result) {
        RevisionRun run = result.run();
        DowngradeCheck.Outcome downgrade = run.downgrade().outcome();
        return String.format("[%d/%d] %s %s: %s in %d ms, %d statement(s), %d error(s), %d warning(s)%s", index, total,
                run.revision().id(), run.revision().message(), run.status().label(), run.durationMs(),
                run.statements().size(), result.count(Severity.ERROR), result.count(Severity.WARNING),
                downgrade == DowngradeCheck.Outcome.NOT_CHECKED ? "" : ", downgrade round trip " + downgrade.label());
    }
}
