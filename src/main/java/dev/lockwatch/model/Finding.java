package dev.lockwatch.model;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A verdict on one revision (or on the chain). Its values keep their types; reporters turn them into text.
 *
 * @param table       the table it concerns, if any
 * @param lock        the lock mode it took there, if any
 * @param statement   the SQL that caused it, if known
 * @param hint        how to fix it, in Alembic terms
 * @param heldMs      how long {@link #lock} was held, if measured
 * @param rows        rows in {@link #table} when the revision started, if known
 * @param location    the revision file and line it points at; empty until the review step locates it
 * @param suppression present when a reviewed suppression (a comment or a config allowance) covers it: it stays in
 *                    the report but no longer fails the run
 * @param folded      one instance of a problem the whole chain shares, reported once as a chain finding of the
 *                    same rule: it stays in the JSON report as a fact but no longer counts on its own
 */
public record Finding(RuleId rule, Severity severity, Optional<TableRef> table, Optional<LockMode> lock,
                      Optional<String> statement, String message, Optional<String> hint, OptionalLong heldMs,
                      Optional<RowCount> rows, Optional<SourceLocation> location, Optional<Suppression> suppression,
                      boolean folded) {

    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(statement, "statement");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(hint, "hint");
        Objects.requireNonNull(heldMs, "heldMs");
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(suppression, "suppression");
    }

    /** A finding as a rule makes it: not yet located, not suppressed. */
    public Finding(RuleId rule, Severity severity, Optional<TableRef> table, Optional<LockMode> lock,
                   Optional<String> statement, String message, Optional<String> hint, OptionalLong heldMs,
                   Optional<RowCount> rows) {
        this(rule, severity, table, lock, statement, message, hint, heldMs, rows, Optional.empty(), Optional.empty(),
                false);
    }

    /** A finding about no table or lock in particular. */
    public Finding(RuleId rule, Severity severity, Optional<String> statement, String message, Optional<String> hint) {
        this(rule, severity, Optional.empty(), Optional.empty(), statement, message, hint, OptionalLong.empty(),
                Optional.empty());
    }

    public Finding withSeverity(Severity other) {
        return new Finding(rule, other, table, lock, statement, message, hint, heldMs, rows, location, suppression, folded);
    }

    public Finding withMessage(String other) {
        return new Finding(rule, severity, table, lock, statement, other, hint, heldMs, rows, location, suppression, folded);
    }

    public Finding at(SourceLocation where) {
        return new Finding(rule, severity, table, lock, statement, message, hint, heldMs, rows, Optional.of(where),
                suppression, folded);
    }

    public Finding suppressedBy(Suppression why) {
        return new Finding(rule, severity, table, lock, statement, message, hint, heldMs, rows, location,
                Optional.of(why), folded);
    }

    /** This instance is reported once for the whole chain, by a chain finding of the same rule. */
    public Finding foldedIntoChain() {
        return new Finding(rule, severity, table, lock, statement, message, hint, heldMs, rows, location, suppression, true);
    }

    public boolean suppressed() {
        return suppression.isPresent();
    }

    /** Counts towards the verdict: an unsuppressed finding of this severity, not folded into a chain finding. */
    public boolean counts(Severity level) {
        return severity == level && !suppressed() && !folded;
    }
}
