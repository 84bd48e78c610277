package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * ALTER TABLE ... DETACH PARTITION without CONCURRENTLY: ACCESS EXCLUSIVE on the busy partitioned table, so every
 * query on every partition queues behind the lock. The server's lock on the parent is the evidence (DETACH
 * CONCURRENTLY takes SHARE UPDATE EXCLUSIVE there); the SQL only tells the detach from the parent's other ALTER
 * TABLE subcommands, which their own rules judge.
 */
public final class NonConcurrentPartitionDetachRule implements Rule {
    private static final Pattern DETACH = Pattern.compile("\\bDETACH\\s+PARTITION\\b", Pattern.CASE_INSENSITIVE);

    @Override
    public String name() {
        return "non-concurrent-partition-detach";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "DETACH PARTITION without CONCURRENTLY: ACCESS EXCLUSIVE on the busy partitioned table, so queries on "
                + "every partition queue behind it";
    }

    @Override
    public String explanation() {
        return "ALTER TABLE parent DETACH PARTITION child locks the partitioned table ACCESS EXCLUSIVE: the detach "
                + "is quick, but waiting for the lock queues every read and write of every partition behind it. "
                + "Fix (PostgreSQL 14+): with op.get_context().autocommit_block(): op.execute('ALTER TABLE parent "
                + "DETACH PARTITION child CONCURRENTLY'), which takes SHARE UPDATE EXCLUSIVE on the parent; it cannot "
                + "run in a transaction, and when it is interrupted finish it with ALTER TABLE parent DETACH "
                + "PARTITION child FINALIZE. On older servers, set a short lock_timeout and retry. Not raised for "
                + "tables the revision created or tables that are not busy.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        Predicate<Statement> detach = CommandLocks.tagged("ALTER TABLE").and(s -> DETACH.matcher(s.sql()).find());
        return CommandLocks.busy(run, detach, m -> m == LockMode.ACCESS_EXCLUSIVE).stream()
                .filter(e -> CommandLocks.kindBefore(run, e.table()).equals("partitioned table"))
                .map(e -> finding(e, "DETACH PARTITION without CONCURRENTLY locked partitioned table " + e.table()
                        + " with " + e.lockWords() + ", on every partition",
                        run.serverMajor() >= 14
                                ? "detach it concurrently, outside the migration's transaction: with "
                                        + "op.get_context().autocommit_block(): op.execute("
                                        + Identifiers.python("ALTER TABLE " + Identifiers.sql(e.table())
                                                + " DETACH PARTITION ... CONCURRENTLY") + ")"
                                : "PostgreSQL " + run.serverMajor() + " has no DETACH ... CONCURRENTLY (14+): set a "
                                        + "short lock_timeout first (op.execute(\"SET lock_timeout = '2s'\")) and retry "
                                        + "the deploy when it trips"))
                .toList();
    }
}
