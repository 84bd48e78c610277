package dev.lockwatch.model;

/**
 * A verdict on one revision.
 *
 * @param table     schema-qualified table, or null when the finding concerns no table
 * @param lock      the lock mode in SQL spelling, or null
 * @param statement the SQL that caused it, or null
 * @param hint      how to fix it, in Alembic terms
 */
public record Finding(String rule, Severity severity, String table, String lock, String statement, String message,
                      String hint) {
}
