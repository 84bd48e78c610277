package dev.lockwatch.model;

/**
 * A verdict on one revision (or on the chain).
 *
 * @param table       schema-qualified table, or null when the finding concerns no table
 * @param lock        the lock mode in SQL spelling, or null
 * @param statement   the SQL that caused it, or null
 * @param hint        how to fix it, in Alembic terms
 * @param heldMs      how long {@link #lock} was held, or null
 * @param rows        rows in {@link #table} when the revision started, or null when unknown
 * @param location    the revision file and line it points at; null until the review step locates it
 * @param suppression set when a reviewed suppression (a comment or a config allowance) covers it: it stays in
 *                    the report but no longer fails the run
 * @param folded      one instance of a problem the whole chain shares, reported once as a chain finding of the
 *                    same rule: it stays in the JSON report as a fact but no longer counts on its own
 */
public record Finding(String rule, Severity severity, String table, String lock, String statement, String message,
                      String hint, Long heldMs, RowCount rows, SourceLocation location, Suppression suppression,
                      boolean folded) {

    public Finding(String rule, Severity severity, String table, String lock, String statement, String message,
                   String hint, Long heldMs, RowCount rows, SourceLocation location, Suppression suppression) {
        this(rule, severity, table, lock, statement, message, hint, heldMs, rows, location, suppression, false);
    }

    /** A finding as a rule makes it: not yet located, not suppressed. */
    public Finding(String rule, Severity severity, String table, String lock, String statement, String message,
                   String hint, Long heldMs, RowCount rows) {
        this(rule, severity, table, lock, statement, message, hint, heldMs, rows, null, null);
    }

    /** A finding about no lock in particular. */
    public Finding(String rule, Severity severity, String table, String lock, String statement, String message,
                   String hint) {
        this(rule, severity, table, lock, statement, message, hint, null, null);
    }

    public Finding withSeverity(Severity other) {
        return new Finding(rule, other, table, lock, statement, message, hint, heldMs, rows, location, suppression, folded);
    }

    public Finding withMessage(String other) {
        return new Finding(rule, severity, table, lock, statement, other, hint, heldMs, rows, location, suppression, folded);
    }

    public Finding at(SourceLocation where) {
        return new Finding(rule, severity, table, lock, statement, message, hint, heldMs, rows, where, suppression, folded);
    }

    public Finding suppressedBy(Suppression why) {
        return new Finding(rule, severity, table, lock, statement, message, hint, heldMs, rows, location, why, folded);
    }

    /** This instance is reported once for the whole chain, by a chain finding of the same rule. */
    public Finding foldedIntoChain() {
        return new Finding(rule, severity, table, lock, statement, message, hint, heldMs, rows, location, suppression, true);
    }

    public boolean suppressed() {
        return suppression != null;
    }

    /** Counts towards the verdict: an unsuppressed finding of this severity, not folded into a chain finding. */
    public boolean counts(Severity level) {
        return severity == level && !suppressed() && !folded;
    }

    /** What {@link #lock} does to a busy table's traffic, in words; null without a lock. */
    public String blocks() {
        return lock == null ? null : LockMode.fromSqlName(lock).map(LockMode::impact).orElse(null);
    }
}
