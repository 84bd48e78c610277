package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RetryTrial;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A revision with committed parts that cannot be run again after one of its statements fails, as a lock timeout
 * makes it fail in production: the retry check's trial ({@link RetryTrial}) is the evidence. The run itself
 * carries no trial, so {@link #check} finds nothing; the retry check calls {@link #judge}.
 */
public final class RetryUnsafeRule implements Rule {
    private static final Set<String> CONCURRENT_COMMANDS = Set.of("CREATE INDEX", "DROP INDEX", "REINDEX");
    /** Only to name the index in the hint; the trial, not this pattern, decides. */
    private static final Pattern INDEX_NAME = Pattern.compile(
            "CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+CONCURRENTLY\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(\"[^\"]+\"|[\\w$.]+)",
            Pattern.CASE_INSENSITIVE);

    @Override
    public String name() {
        return "retry-unsafe";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "a revision that commits in steps and cannot be run again after one of its statements fails (as a "
                + "lock timeout makes it fail): the deploy's retry fails, or leaves a different schema";
    }

    @Override
    public String explanation() {
        return "A revision that works outside one transaction (op.get_context().autocommit_block(), "
                + "op.get_bind().commit(), transaction_per_migration) can stop half way when a lock times out in "
                + "production, and deploys retry on lock timeouts. What it committed stays: a CREATE INDEX "
                + "CONCURRENTLY that failed leaves an INVALID index under its name, a committed step leaves the "
                + "columns the retry adds again. lockwatch proves it: on a copy of the database the revision started "
                + "from, it makes one statement fail as a lock timeout would (each concurrent build, and the last "
                + "statement that locks an existing table), runs the revision again, and compares the schema with "
                + "the clean run. Fix: make each committed step safe to repeat: drop a concurrently built index "
                + "before building it, with op.execute('DROP INDEX CONCURRENTLY IF EXISTS ix_name') in the same "
                + "autocommit block (IF NOT EXISTS would keep the INVALID index); ADD COLUMN IF NOT EXISTS and "
                + "CREATE TABLE IF NOT EXISTS for what a committed step creates; or split the revision so each "
                + "committed step is its own revision. Fully transactional revisions roll back whole and are not "
                + "tried. Needs a superuser (the failure is injected by an event trigger).";
    }

    /** The finding a trial proves, if it proves one. */
    public List<Finding> judge(RevisionRun run, RetryTrial trial) {
        if (!trial.unsafe()) {
            return List.of();
        }
        Statement failed = trial.failed();
        Optional<ObservedLock> lock = failed.locks().stream().filter(l -> run.before().table(l.table()).isPresent())
                .max(Comparator.comparing(ObservedLock::mode));
        TableRef table = lock.map(ObservedLock::table).orElse(null);
        Evidence evidence = new Evidence(table, failed, lock.orElse(null), lock.map(ObservedLock::mode).orElse(null),
                table == null ? null : Observations.rows(run, table));
        String what = "Had " + (failed.tag().isEmpty() ? "this statement" : failed.tag()) + " failed here, as a lock "
                + "timeout makes it fail in production, ";
        String message = trial.retryError() != null
                ? what + "running the revision again would fail too: " + trial.retryError()
                : what + "running the revision again would go through but leave the schema unlike a clean run: "
                        + String.join("; ", trial.differences());
        return List.of(finding(evidence, message, hint(failed)));
    }

    private static String hint(Statement failed) {
        if (failed.tag().equals("CREATE INDEX") && concurrentIndexCommand(failed)) {
            Matcher name = INDEX_NAME.matcher(failed.sql());
            String index = name.find() ? name.group(1) : "ix_name";
            return "a failed CREATE INDEX CONCURRENTLY leaves an INVALID index under its name: drop it first, in the "
                    + "same autocommit block: op.execute('DROP INDEX CONCURRENTLY IF EXISTS " + index + "'), then "
                    + "op.create_index(..., postgresql_concurrently=True); IF NOT EXISTS alone would keep the INVALID index";
        }
        return "make each committed step safe to run twice: CREATE TABLE IF NOT EXISTS and ALTER TABLE ... ADD COLUMN "
                + "IF NOT EXISTS (op.execute(...)) for what it creates, DROP ... IF EXISTS for what it drops, "
                + "DROP INDEX CONCURRENTLY IF EXISTS before a concurrent build; or split the revision so each committed "
                + "step is its own revision";
    }

    /** A concurrent index command: it commits in steps of its own and cannot run inside a transaction. */
    public static boolean concurrentIndexCommand(Statement statement) {
        return CONCURRENT_COMMANDS.contains(statement.tag()) && statement.locks().stream()
                .filter(l -> l.table() != null).map(ObservedLock::mode).max(Comparator.naturalOrder())
                .filter(m -> m == LockMode.SHARE_UPDATE_EXCLUSIVE).isPresent();
    }
}
