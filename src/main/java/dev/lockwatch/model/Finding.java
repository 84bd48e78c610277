package dev.lockwatch.model;

/**
 * A verdict on one revision (or on the chain).
 *
 * @param table     schema-qualified table, or null when the finding concerns no table
 * @param lock      the lock mode in SQL spelling, or null
 * @param statement the SQL that caused it, or null
 * @param hint      how to fix it, in Alembic terms
 * @param heldMs    how long {@link #lock} was held, or null
 * @param rows      rows in {@link #table} when the revision started, or null when unknown
 */
public record Finding(String rule, Severity severity, String table, String lock, String statement, String message,
                      String hint, Long heldMs, RowCount rows) {

    public Finding withSeverity(Severity other) {
        return new Finding(rule, other, table, lock, statement, message, hint, heldMs, rows);
    }

    /** What {@link #lock} does to a busy table's traffic, in words; null without a lock. */
    public String blocks() {
        return lock == null ? null : LockMode.fromSqlName(lock).map(LockMode::impact).orElse(null);
    }
}
