package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.ProductionEstimate;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A revision whose write-blocking locks on busy tables, scaled to production's size ({@code --table-stats}), add
 * up to more than a budget ({@code --max-lock-time}). Locks of one transaction are held together until it ends,
 * so each transaction counts with its longest such lock; transactions follow one another, so they add up.
 * Without production's statistics there is nothing to estimate and the rule says nothing.
 */
public final class LockTimeBudgetRule implements Rule {
    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(5);

    private final Duration budget;

    public LockTimeBudgetRule() {
        this(DEFAULT_BUDGET);
    }

    public LockTimeBudgetRule(Duration budget) {
        this.budget = budget;
    }

    @Override
    public String name() {
        return "lock-time-budget";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "with --table-stats: the revision's write-blocking locks on busy tables would hold longer in "
                + "production than --max-lock-time (default 5 s)";
    }

    @Override
    public String explanation() {
        return "With production's table statistics (--table-stats), lockwatch scales each lock's measured hold time "
                + "to production's row count. This rule adds up how long the revision would keep busy tables' writes "
                + "blocked: per transaction its longest write-blocking lock (they are held together until the "
                + "transaction ends), summed over the revision's transactions. Above the budget (--max-lock-time, "
                + "default 5 s) it is an error, told with the estimate and what it is made of. The estimate is "
                + "linear in rows: treat it as an order of magnitude. Fix: the per-lock findings say how to avoid "
                + "each lock (concurrent index builds, NOT VALID then VALIDATE, batched backfills in later "
                + "revisions); or split the revision so each transaction blocks writes briefly.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        Map<Integer, ObservedLock> longest = new TreeMap<>();
        Map<Integer, Statement> by = new TreeMap<>();
        for (Statement statement : run.statements()) {
            for (ObservedLock lock : statement.locks()) {
                if (!lock.busy() || lock.inferred() || !lock.mode().blocksWrites() || lock.estimate() == null) {
                    continue;
                }
                ObservedLock current = longest.get(statement.transaction());
                if (current == null || lock.estimate().estimatedMs() > current.estimate().estimatedMs()) {
                    longest.put(statement.transaction(), lock);
                    by.put(statement.transaction(), statement);
                }
            }
        }
        long total = longest.values().stream().mapToLong(l -> l.estimate().estimatedMs()).sum();
        if (total <= budget.toMillis()) {
            return List.of();
        }
        List<String> parts = new ArrayList<>();
        longest.forEach((transaction, lock) -> parts.add(ProductionEstimate.duration(lock.estimate().estimatedMs())
                + " of " + lock.mode().sqlName() + " on " + lock.table() + " (" + by.get(transaction).tag() + ")"));
        Optional<Map.Entry<Integer, ObservedLock>> worst = longest.entrySet().stream()
                .max(Comparator.comparingLong(e -> e.getValue().estimate().estimatedMs()));
        Statement statement = by.get(worst.get().getKey());
        ObservedLock lock = worst.get().getValue();
        Evidence evidence = Evidence.of(run, lock.table(), statement).withLock(lock);
        return List.of(finding(evidence, "in production this revision would block writes to busy tables for about "
                + ProductionEstimate.duration(total) + ", over the --max-lock-time budget of "
                + ProductionEstimate.duration(budget.toMillis()) + ": " + String.join(" + ", parts)
                + " (estimates, scaled linearly from the rows here)",
                "split the revision so that no transaction blocks writes for long, and follow the fixes of the "
                        + "lock findings above; raise --max-lock-time only if the application tolerates the wait"));
    }
}
