package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A write-blocking lock on a busy table requested while {@code lock_timeout} was 0 in the migration's own session,
 * as its gates read it: whatever set it (env.py, PGOPTIONS, role or database defaults, a SET in the revision)
 * counts. Behind a long-running query the request waits forever, and every query that arrives meanwhile queues
 * behind it. One finding per table and revision: the first statement that asked, with the strongest lock it asked for.
 */
public final class MissingLockTimeoutRule implements Rule {

    @Override
    public String name() {
        return "missing-lock-timeout";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "a write-blocking lock on a busy table requested with lock_timeout = 0: behind one long query it waits "
                + "forever, and all traffic queues behind it";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        Map<TableRef, LockMode> reported = new HashMap<>(); // the lock a finding named, by table
        for (Statement statement : run.statements()) {
            if (statement.lockTimeoutMs() == null || statement.lockTimeoutMs() != 0) {
                continue; // a timeout is set, or lockwatch could not read it: nothing to say
            }
            // the strongest lock the statement asked for on each table, not the first it took
            Map<TableRef, ObservedLock> strongest = new TreeMap<>();
            for (ObservedLock lock : statement.locks()) {
                if (Observations.askedToBlockWrites(lock)) { // one its transaction held already could not queue
                    strongest.merge(lock.table(), lock, (a, b) -> b.mode().compareTo(a.mode()) > 0 ? b : a);
                }
            }
            for (ObservedLock lock : strongest.values()) {
                LockMode named = reported.get(lock.table());
                // once per table, and again for a request that also blocks reads after one that let them through:
                // LOCK TABLE ... IN EXCLUSIVE MODE, then an ALTER TABLE whose ACCESS EXCLUSIVE queues behind readers
                if (named == null || lock.mode().blocksReads() && !named.blocksReads()) {
                    reported.put(lock.table(), lock.mode());
                    findings.add(finding(Evidence.of(run, lock.table(), statement).withLock(lock)));
                }
            }
        }
        return findings;
    }

    private Finding finding(Evidence evidence) {
        String message = evidence.command() + " locked " + evidence.table() + " with lock_timeout = 0 in the migration's "
                + "session, taking " + evidence.lockWords() + ". Had a transaction held a conflicting lock (a long query, an "
                + "idle transaction), the request would have waited without limit, and every query on "
                + evidence.table() + " would have queued behind it";
        return finding(evidence, message, "set a lock timeout first, and retry the deploy when it trips: "
                + "op.execute(\"SET lock_timeout = '3s'\") at the start of upgrade(), or for every revision in env.py "
                + "after context.configure(): context.execute(\"SET lock_timeout = '3s'\")");
    }
}
