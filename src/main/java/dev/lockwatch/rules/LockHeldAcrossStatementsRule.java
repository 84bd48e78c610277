package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A write-blocking lock on a busy table that its transaction keeps while later statements do work of their own:
 * locks are released only when the transaction ends, so the table stays locked for their whole duration. Work
 * means reading or writing the data of tables that existed before the revision (a backfill, a SELECT), building
 * an index on one, rewriting a table, or locking another busy table; more cheap DDL on the same table, or work on
 * tables the revision created (empty until it fills them), is not.
 */
public final class LockHeldAcrossStatementsRule implements Rule {
    private static final Set<String> WORK = Set.of("INSERT", "UPDATE", "DELETE", "SELECT", "WITH", "COPY", "MERGE", "DO",
            "CALL", "CREATE INDEX", "REINDEX", "CLUSTER", "REFRESH MATERIALIZED VIEW", "REFRESH");
    private static final int LISTED = 3;
    /** Below this, what the later statements took is the machine's noise, not work that makes the lock last. */
    static final long TOO_SHORT_MS = 20;

    @Override
    public String name() {
        return "lock-held-across-statements";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "a write-blocking lock on a busy table kept while later statements of the same transaction do their "
                + "work (a backfill, an index build): the table stays locked until COMMIT";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        List<Finding> findings = new ArrayList<>();
        List<Statement> statements = run.statements();
        Set<String> reported = new HashSet<>(); // transaction + table
        for (int i = 0; i < statements.size(); i++) {
            Statement statement = statements.get(i);
            for (ObservedLock lock : statement.locks()) {
                if (!Observations.askedToBlockWrites(lock)
                        || !reported.add(statement.transaction() + " " + lock.table())) {
                    continue;
                }
                List<Statement> later = statements.subList(i + 1, statements.size()).stream()
                        .filter(s -> s.transaction() == statement.transaction() && works(s, lock.table())).toList();
                if (!later.isEmpty()) {
                    findings.add(finding(Evidence.of(run, lock.table(), statement).withLock(
                            Observations.strongestInTransaction(statements, statement, lock)), later));
                }
            }
        }
        return findings;
    }

    /** Statements after the lock was taken that make the wait longer. */
    static boolean works(Statement later, TableRef locked) {
        boolean locksAnotherBusyTable = later.locks().stream()
                .anyMatch(l -> l.busy() && !l.table().equals(locked) && l.mode().blocksWrites());
        boolean touchesExistingData = !later.locks().isEmpty() && WORK.contains(later.tag().toUpperCase(Locale.ROOT));
        return later.rewrite() || locksAnotherBusyTable || touchesExistingData;
    }

    private Finding finding(Evidence evidence, List<Statement> later) {
        long laterMs = later.stream().mapToLong(Statement::durationMs).sum();
        String listed = later.stream().limit(LISTED).map(s -> oneLine(s.sql())).collect(Collectors.joining("; "))
                + (later.size() > LISTED ? "; ..." : "");
        String message = evidence.command() + " locked " + evidence.table() + " and the transaction kept the lock while "
                + later.size() + " later statement(s) ran for " + laterMs + " ms (" + listed + "): a lock lasts until "
                + "COMMIT. It held " + evidence.lockWords() + ", through all of them";
        Finding finding = finding(evidence, message, "commit before the slow part: move the backfill or index build to "
                + "its own revision with context.configure(..., transaction_per_migration=True) in env.py (alembic upgrade "
                + "head otherwise runs every revision in one transaction), or run it inside "
                + "with op.get_context().autocommit_block():, or take the strong lock last");
        // later statements too short to measure (on an empty schema, 0 or a few ms by the machine's load) on a table
        // with no rows measured: nothing shows the lock would last, nothing to act on
        boolean nothingMeasured = laterMs < TOO_SHORT_MS && (evidence.rows() == null || evidence.rows().value() == 0);
        return nothingMeasured ? finding.withSeverity(Severity.INFO) : finding;
    }

    static String oneLine(String sql) {
        String flat = sql.replaceAll("\\s+", " ").strip();
        return flat.length() <= 60 ? flat : flat.substring(0, 57) + "...";
    }
}
