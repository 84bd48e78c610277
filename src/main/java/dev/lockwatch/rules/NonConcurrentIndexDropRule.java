package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/**
 * DROP INDEX without CONCURRENTLY on a busy table's index: the server locks the table ACCESS EXCLUSIVE. The drop
 * itself is quick; the harm is the wait for the lock, during which every read and write queues behind it. DROP
 * INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE and is not flagged.
 */
public final class NonConcurrentIndexDropRule implements Rule {

    @Override
    public String name() {
        return "non-concurrent-index-drop";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "DROP INDEX without CONCURRENTLY on a busy table: ACCESS EXCLUSIVE, so while it waits for the lock "
                + "every read and write of the table queues behind it";
    }

    @Override
    public String explanation() {
        return "op.drop_index(...) issues a plain DROP INDEX, which locks the index's table ACCESS EXCLUSIVE. The "
                + "drop is fast, but the lock must first wait for every running query on the table, and meanwhile "
                + "every new query, reads included, queues behind it; inside the migration's transaction the lock "
                + "is held until the transaction ends. Fix: with op.get_context().autocommit_block(): "
                + "op.drop_index('ix_name', table_name='t', postgresql_concurrently=True) (SHARE UPDATE EXCLUSIVE: "
                + "reads and writes continue), with if_exists=True (or op.execute('DROP INDEX CONCURRENTLY IF EXISTS "
                + "ix_name')) so a retry after a failure goes through. Not raised for tables the revision created or "
                + "tables that are not busy.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        return CommandLocks.busy(run, CommandLocks.tagged("DROP INDEX"), m -> m == LockMode.ACCESS_EXCLUSIVE).stream()
                .map(e -> finding(e, "DROP INDEX without CONCURRENTLY locked " + e.table() + " with " + e.lockWords()
                        + ". The drop is quick, but waiting for the lock queues every query on the table behind it",
                        "drop it concurrently, outside the migration's transaction: with "
                                + "op.get_context().autocommit_block(): op.drop_index('...', table_name=" + Identifiers.python(e.table().name())
                                + ", postgresql_concurrently=True, if_exists=True)"))
                .toList();
    }
}
