package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Severity;

/**
 * A kind of finding, with what {@code lockwatch explain} and the reports say about it. Most kinds are
 * {@link Rule}s over a revision's run; a few judge the workflow around it (git history, suppressions).
 */
public interface FindingKind {

    /** The kind's name in reports, suppressions and on the command line; part of the JSON contract. */
    String name();

    Severity defaultSeverity();

    /** One sentence for {@code lockwatch explain} and rules.md: what it catches. */
    String summary();

    /** For {@code lockwatch explain}: why it hurts in production and how to fix it, a short paragraph. */
    default String explanation() {
        return summary() + ".";
    }

    default Finding finding(String table, String lock, String statement, String message, String hint) {
        return new Finding(name(), defaultSeverity(), table, lock, statement, message, hint);
    }
}
