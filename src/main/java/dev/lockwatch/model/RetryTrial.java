package dev.lockwatch.model;

import java.util.List;

/**
 * One trial of the retry check: the revision run on a copy of the database it started from, with one statement
 * made to fail as a lock timeout would, then run again as a deploy's retry would.
 *
 * @param failed        the statement made to fail
 * @param failure       alembic's error for the failed attempt
 * @param retryError    alembic's error when the retry failed too; null when it ran
 * @param differences   when the retry ran: how its schema differs from the clean run's ({@link SchemaDiff})
 * @param durationMs    what the trial cost: copying the database, both attempts, reading the schema
 */
public record RetryTrial(Statement failed, String failure, String retryError, List<String> differences,
                         long durationMs) {

    public RetryTrial {
        differences = List.copyOf(differences);
    }

    /** The retry failed, or ran and left a schema a clean run does not. */
    public boolean unsafe() {
        return retryError != null || !differences.isEmpty();
    }
}
