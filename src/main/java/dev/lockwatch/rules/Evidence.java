package dev.lockwatch.rules;

import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;

/**
 * What a finding points at: the table, the statement, the lock it held there (null when not observed) and the
 * rows the table had when the revision started.
 *
 * @param mode the lock mode to report: the observed lock's, or the mode the command is known to take
 */
public record Evidence(TableRef table, Statement statement, ObservedLock lock, LockMode mode, RowCount rows) {

    /** {@code statement}'s strongest lock on {@code table}, if any, with the table's rows. */
    public static Evidence of(RevisionRun run, TableRef table, Statement statement) {
        ObservedLock lock = statement == null ? null : Observations.strongest(statement, table).orElse(null);
        return new Evidence(table, statement, lock, lock == null ? null : lock.mode(), Observations.rows(run, table));
    }

    public Evidence withLock(ObservedLock other) {
        return new Evidence(table, statement, other, other == null ? mode : other.mode(), rows);
    }

    /** {@code mode} when no lock was observed (a command that pauses at no trigger ran too briefly to be seen). */
    public Evidence orMode(LockMode known) {
        return mode != null ? this : new Evidence(table, statement, lock, known, rows);
    }

    /**
     * The lock in words, a clause that can end a sentence: {@code ACCESS EXCLUSIVE, held 12 ms here with 1,000 rows:
     * it blocks reads and writes}.
     */
    public String lockWords() {
        if (mode == null) {
            return "no lock lockwatch could see, with " + rowsWords();
        }
        return mode.sqlName() + (lock == null ? "" : ", held " + lock.heldMs() + " ms here") + " with " + rowsWords()
                + ": it " + mode.impact();
    }

    /** A closing sentence naming the statement's lock, for findings about something else; empty without one. */
    public String lockSentence() {
        return statement == null || mode == null ? "" : ". " + command() + " took " + lockWords();
    }

    public String rowsWords() {
        return rows == null ? "an unknown number of rows" : rows.toString();
    }

    /** The statement's first words for a message, e.g. {@code ALTER TABLE}; a description when unseen. */
    public String command() {
        return statement == null || statement.tag().isEmpty() ? "a statement" : statement.tag();
    }
}
