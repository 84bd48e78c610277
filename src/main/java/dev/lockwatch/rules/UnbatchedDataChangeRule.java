package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.ProductionEstimate;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One UPDATE or DELETE that changed more rows of a busy table than a threshold ({@code --max-rows-per-statement}):
 * the rows the migration's own session counted at the statement's gate ({@code pg_stat_xact_user_tables}). With
 * production's statistics ({@code --table-stats}) the count is also scaled to production's size, so a backfill
 * of every row is caught even when the table here is small.
 */
public final class UnbatchedDataChangeRule implements Rule {
    public static final long DEFAULT_MAX_ROWS = 10_000;
    private static final Set<String> DATA_CHANGES = Set.of("UPDATE", "DELETE");

    private final long maxRows;

    public UnbatchedDataChangeRule() {
        this(DEFAULT_MAX_ROWS);
    }

    public UnbatchedDataChangeRule(long maxRows) {
        this.maxRows = maxRows;
    }

    @Override
    public String name() {
        return "unbatched-data-change";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "one UPDATE or DELETE that changes more rows of a busy table than --max-rows-per-statement (default "
                + "10,000; scaled to production with --table-stats): a backfill in one statement";
    }

    @Override
    public String explanation() {
        return "A backfill in one statement (op.execute(\"UPDATE orders SET status = 'new'\")) locks every row it "
                + "touches until its transaction ends, so the application's writes to those rows wait; it writes "
                + "all of its WAL at once, which replicas replay late; and it holds back VACUUM. lockwatch counts "
                + "the rows each statement really changed, from the migration session's own transaction counters "
                + "(pg_stat_xact_user_tables) read at the statement's gate, and flags a busy table's UPDATE or "
                + "DELETE above --max-rows-per-statement (default 10,000); with --table-stats the count is scaled "
                + "to production's rows too. Fix: batch it, committing between batches: in a later revision, inside "
                + "with op.get_context().autocommit_block():, loop over key ranges (UPDATE ... WHERE id >= :lo AND "
                + "id < :hi) of a few thousand rows each, or run the backfill from the application or a job rather "
                + "than the deploy.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        for (Statement statement : run.statements()) {
            if (!DATA_CHANGES.contains(statement.tag()) || statement.rowsChanged().isEmpty()) {
                continue;
            }
            long rows = statement.rowsChanged().getAsLong();
            Optional<ObservedLock> lock = statement.locks().stream()
                    .filter(l -> l.busy() && !l.inferred() && l.mode().atLeast(LockMode.ROW_EXCLUSIVE))
                    .max(Comparator.comparing(ObservedLock::mode));
            if (lock.isEmpty()) {
                continue; // a table the revision created, or one that is not busy
            }
            ProductionEstimate estimate = lock.get().estimate();
            long production = estimate == null ? rows
                    : Math.round((double) rows * estimate.productionRows() / Math.max(1, estimate.localRows()));
            if (Math.max(rows, production) <= maxRows) {
                continue;
            }
            Evidence evidence = Evidence.of(run, lock.get().table(), statement).withLock(lock.get());
            String atProduction = estimate == null ? "" : " (about " + ProductionEstimate.count(production)
                    + " at production's size, scaled linearly)";
            findings.add(finding(evidence, statement.tag() + " changed " + RowCount.grouped(rows) + " rows of "
                    + evidence.table() + " in one statement" + atProduction + ", over --max-rows-per-statement "
                    + RowCount.grouped(maxRows) + ": every row it touched stays locked until its transaction "
                    + "ends, and its WAL arrives at the replicas at once", "batch it in a later revision: with "
                    + "op.get_context().autocommit_block(): loop over key ranges, op.execute(\"" + statement.tag()
                    + " ... WHERE id >= %(lo)s AND id < %(hi)s\") a few thousand rows at a time; or run the "
                    + "backfill from a job instead of the deploy"));
        }
        return findings;
    }
}
