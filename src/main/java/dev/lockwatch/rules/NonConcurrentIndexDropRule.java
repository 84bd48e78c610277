package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.JointDeploy;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableSchema;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
                + "ix_name')) so a retry after a failure goes through. Not raised for tables the revision created, "
                + "tables that are not busy, or tables the deploy drops (the DROP TABLE takes the same lock; "
                + "backward-incompatible reports it).";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        Set<Long> dropped = droppedByTheDeploy(run);
        return CommandLocks.busy(run, CommandLocks.tagged("DROP INDEX"), m -> m == LockMode.ACCESS_EXCLUSIVE).stream()
                .filter(e -> run.before().table(e.table()).filter(t -> dropped.contains(t.oid())).isEmpty())
                .map(e -> finding(e, "DROP INDEX without CONCURRENTLY locked " + e.table() + " with " + e.lockWords()
                        + ". The drop is quick, but waiting for the lock queues every query on the table behind it",
                        "drop it concurrently, outside the migration's transaction: with "
                                + "op.get_context().autocommit_block(): op.drop_index('...', table_name=" + Identifiers.python(e.table().name())
                                + ", postgresql_concurrently=True, if_exists=True)"))
                .toList();
    }

    /**
     * The tables (oids) a statement of the deploy drops, by its effects, this revision's or a later one's: their
     * index drops are not the problem, the table drop is (backward-incompatible says so). Without effects (polling
     * alone), the tables the deploy did not leave.
     */
    private static Set<Long> droppedByTheDeploy(RevisionRun run) {
        if (!Observations.effectsKnown(run)) {
            return run.before().tables().values().stream().map(TableSchema::oid)
                    .filter(oid -> run.deployAfter().tableWithOid(oid).isEmpty()).collect(Collectors.toSet());
        }
        return Stream.concat(run.statements().stream(), run.deploy().later().stream().map(JointDeploy.LaterStatement::statement))
                .flatMap(s -> s.effects().tablesDropped().stream()).map(StatementEffects.TableId::oid)
                .collect(Collectors.toSet());
    }
}
