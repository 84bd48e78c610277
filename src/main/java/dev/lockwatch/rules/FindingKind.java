package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.Severity;
import java.util.Optional;

/**
 * A kind of finding, with what {@code lockwatch explain} and the reports say about it. Most kinds are
 * {@link Rule}s over a revision's run; a few judge the workflow around it (git history, suppressions).
 */
public interface FindingKind {

    /** The kind's name in reports, suppressions and on the command line; part of the JSON contract. */
    String name();

    /** {@link #name()} as a value findings carry. */
    default RuleId id() {
        return new RuleId(name());
    }

    Severity defaultSeverity();

    /** One sentence for {@code lockwatch explain} and rules.md: what it catches. */
    String summary();

    /** For {@code lockwatch explain}: why it hurts in production and how to fix it, a short paragraph. */
    default String explanation() {
        return summary() + ".";
    }

    /** A finding about no table, lock or statement in particular. */
    default Finding finding(String message, String hint) {
        return finding(Optional.empty(), message, hint);
    }

    /** A finding about {@code statement}'s SQL, if known, but no table or lock in particular. */
    default Finding finding(Optional<String> statement, String message, String hint) {
        return new Finding(id(), defaultSeverity(), statement, message, Optional.of(hint));
    }
}
