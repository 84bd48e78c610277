package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.JointDeploy.LaterStatement;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * In a joint deploy (every pending revision in one {@code alembic upgrade}, one transaction with alembic's generic
 * env.py), a write-blocking lock on a busy table that one revision takes and its transaction keeps while later
 * revisions do their work: each revision alone is quick, deployed together the table stays locked throughout.
 */
public final class LockHeldAcrossRevisionsRule implements Rule {
    private static final int LISTED = 3;

    @Override
    public String name() {
        return "lock-held-across-revisions";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "deployed together, a write-blocking lock on a busy table taken by this revision stays held while later "
                + "revisions of the same transaction do their work (a backfill, an index build)";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        Set<String> reported = new HashSet<>(); // transaction + table
        for (Statement statement : run.statements()) {
            for (ObservedLock lock : statement.locks()) {
                if (!Observations.askedToBlockWrites(lock)
                        || !reported.add(statement.transaction() + " " + lock.table())) {
                    continue;
                }
                List<LaterStatement> later = run.deploy().later().stream()
                        .filter(l -> l.statement().transaction() == statement.transaction()
                                && LockHeldAcrossStatementsRule.works(l.statement(), lock.table()))
                        .toList();
                if (!later.isEmpty()) {
                    findings.add(finding(run, Evidence.of(run, lock.table(), statement)
                            .withLock(Observations.strongestInTransaction(run.statements(), statement, lock)), later));
                }
            }
        }
        return findings;
    }

    private Finding finding(RevisionRun run, Evidence evidence, List<LaterStatement> later) {
        long laterMs = later.stream().mapToLong(l -> l.statement().durationMs()).sum();
        Set<String> revisions = later.stream().map(LaterStatement::revision)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        String listed = later.stream().limit(LISTED)
                .map(l -> l.revision() + ": " + LockHeldAcrossStatementsRule.oneLine(l.statement().sql()))
                .collect(Collectors.joining("; ")) + (later.size() > LISTED ? "; ..." : "");
        String message = "deployed together (" + run.deploy().command() + "), " + evidence.command() + " locked "
                + evidence.table() + " and the deploy's transaction kept the lock while later revision(s) "
                + String.join(", ", revisions) + " ran " + later.size() + " statement(s) for " + laterMs + " ms ("
                + listed + "): a lock lasts until COMMIT. It held " + evidence.lockWords() + ", through all of them";
        return finding(evidence, message, "commit between the revisions: context.configure(..., "
                + "transaction_per_migration=True) in env.py, or deploy the slow revision on its own");
    }
}
