package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/**
 * REFRESH MATERIALIZED VIEW without CONCURRENTLY on a busy view: ACCESS EXCLUSIVE on the view for the whole
 * refresh, so every read of it waits for the view's query to run. The concurrent refresh takes EXCLUSIVE, which
 * lets reads through, and is not flagged.
 */
public final class NonConcurrentMatviewRefreshRule implements Rule {

    @Override
    public String name() {
        return "non-concurrent-matview-refresh";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "REFRESH MATERIALIZED VIEW without CONCURRENTLY on a busy view: every read of the view waits for the "
                + "whole refresh";
    }

    @Override
    public String explanation() {
        return "A plain REFRESH MATERIALIZED VIEW locks the view ACCESS EXCLUSIVE while it runs the view's query "
                + "and replaces its contents, so every SELECT on the view waits for the whole refresh, which takes as "
                + "long as the query does on production's data. Fix: give the view a unique index (once), then "
                + "with op.get_context().autocommit_block(): op.execute('REFRESH MATERIALIZED VIEW CONCURRENTLY "
                + "view_name'); it takes EXCLUSIVE, so reads go on. Better still, leave refreshes to the job that "
                + "refreshes the view in production rather than the deploy. Not raised for views the revision "
                + "created or views that are not busy.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        return CommandLocks.busy(run, CommandLocks.tagged("REFRESH MATERIALIZED VIEW"), m -> m == LockMode.ACCESS_EXCLUSIVE)
                .stream()
                .map(e -> finding(e, "REFRESH MATERIALIZED VIEW without CONCURRENTLY locked " + e.table() + " with "
                        + e.lockWords() + ", for the whole refresh, which runs the view's query on all its data",
                        "give the view a unique index, then refresh it concurrently outside the migration's "
                                + "transaction: with op.get_context().autocommit_block(): op.execute("
                                + Identifiers.python("REFRESH MATERIALIZED VIEW CONCURRENTLY " + Identifiers.sql(e.table()))
                                + ")"))
                .toList();
    }
}
