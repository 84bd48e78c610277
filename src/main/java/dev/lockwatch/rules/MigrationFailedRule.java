package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The revision's alembic run failed: alembic's own error, with a hint for causes lockwatch recognises. */
public final class MigrationFailedRule implements Rule {
    /** Fragments of alembic's output (lower case) and what to do about them, most specific first. */
    private static final Map<String, String> HINTS = new java.util.LinkedHashMap<>();

    static {
        HINTS.put("cannot run inside a transaction block", "run it outside the migration's transaction: "
                + "with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True)");
        HINTS.put("lock timeout", "the statement waited longer than lock_timeout for a lock; "
                + "retry the deploy, or split the revision so each step needs its lock briefly");
        HINTS.put("statement timeout", "the statement ran longer than statement_timeout; "
                + "move long work (backfills, index builds) out of the transaction or into batches");
        HINTS.put("did not finish within", "the revision hung or waited on a lock: look for a statement waiting "
                + "on another session, or raise --revision-timeout");
        HINTS.put("no module named", "alembic's Python cannot import a module the project needs: install it where "
                + "alembic runs, or pass --alembic \"poetry run alembic\" (or your virtualenv's alembic)");
        HINTS.put("already exists", "the revision creates something the previous revisions already created: "
                + "check its down_revision and the baseline");
        HINTS.put("does not exist", "the revision uses an object that does not exist at this point of the chain: "
                + "check its down_revision, depends_on and the order of operations");
        HINTS.put("can't locate revision", "a revision refers to an id no file declares: check down_revision and depends_on");
    }

    @Override
    public String name() {
        return "migration-failed";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "the revision's alembic upgrade failed; the revisions after it were not run";
    }

    @Override
    public String explanation() {
        return "The revision's alembic upgrade exited with an error, so the deploy would stop there too, possibly "
                + "half-applied when the revision commits in steps. lockwatch reports alembic's own error, trimmed, "
                + "with a hint for causes it recognises (CONCURRENTLY inside a transaction block, lock or statement "
                + "timeouts, a missing module); the revisions after it are reported as not-run. When a statement ended "
                + "still waiting for a lock (a lock_timeout, or a revision stopped by --revision-timeout), the finding "
                + "points at it, names the lock and the table, and names the revision's own statement on another "
                + "connection that had taken a conflicting lock, if lockwatch saw one. Fix the revision and run "
                + "lockwatch again.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        if (run.status() != RevisionStatus.FAILED) {
            return List.of();
        }
        String error = run.alembicError() == null ? "alembic failed" : run.alembicError();
        String failed = "alembic upgrade " + run.revision().id() + " failed: " + error;
        // the last statement that ended still queued for a lock is where the revision stood: point there, say who
        // held it
        Optional<Statement> waiting = run.statements().stream().filter(s -> s.awaited().isPresent())
                .reduce((first, second) -> second);
        if (waiting.isEmpty()) {
            return List.of(finding(failed, hint(error)));
        }
        Statement statement = waiting.get();
        ObservedLock awaited = statement.awaited().orElseThrow();
        // no lock of its own: the statement never got the one it waited for
        Evidence evidence = new Evidence(awaited.table(), statement, null, null, Observations.rows(run, awaited.table()));
        Optional<Statement> own = ownHolder(run, statement, awaited);
        String message = failed + ". " + LockHeldAcrossStatementsRule.oneLine(statement.sql()) + " was still waiting for "
                + awaited.mode().sqlName() + " on " + awaited.table() + own.map(s -> ", on which the revision's own "
                + LockHeldAcrossStatementsRule.oneLine(s.sql()) + " (transaction " + s.transaction()
                + ") had taken a conflicting lock").orElse(", which another session held");
        return List.of(finding(evidence, message, own.isPresent() ? SELF_WAIT : hint(error)));
    }

    private static final String SELF_WAIT = "a connection the revision opens itself and leaves in a transaction blocks "
            + "the migration's own statements until a timeout ends the deploy: commit and close it before they touch that "
            + "table, or do the work through op";

    /** The last statement of the revision's own, in another transaction, that took a lock the waiting one conflicts with. */
    private static Optional<Statement> ownHolder(RevisionRun run, Statement waiting, ObservedLock awaited) {
        return run.statements().stream().filter(s -> s.transaction() != waiting.transaction())
                .filter(s -> s.locks().stream().anyMatch(l -> l.granted() && l.table().equals(awaited.table())
                        && l.mode().conflictsWith(awaited.mode())))
                .reduce((first, second) -> second);
    }

    static String hint(String error) {
        String lower = error.toLowerCase(Locale.ROOT);
        return HINTS.entrySet().stream().filter(e -> lower.contains(e.getKey())).map(Map.Entry::getValue).findFirst()
                .orElse("reproduce it with alembic upgrade on a scratch database and read the traceback above");
    }
}
