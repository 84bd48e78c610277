package dev.lockwatch.rules;

import dev.lockwatch.model.ChainSummary;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/**
 * One kind of finding: a pure function from what a revision's run (or the chain) showed to findings. A rule
 * judges a revision, the chain, or both; what it does not judge it leaves at the empty default.
 */
public interface Rule {

    /** The rule's name in reports and on the command line; part of the JSON contract. */
    String name();

    Severity defaultSeverity();

    /** One sentence for {@code lockwatch explain} and the README: what it catches. */
    String summary();

    default List<Finding> check(RevisionRun run) {
        return List.of();
    }

    default List<Finding> checkChain(ChainSummary chain) {
        return List.of();
    }

    default Finding finding(String table, String lock, String statement, String message, String hint) {
        return new Finding(name(), defaultSeverity(), table, lock, statement, message, hint, null, null);
    }

    /** A finding about {@code evidence}: its table, lock, statement, how long the lock was held and the rows. */
    default Finding finding(Evidence evidence, String message, String hint) {
        return new Finding(name(), defaultSeverity(), evidence.table() == null ? null : evidence.table().toString(),
                evidence.mode() == null ? null : evidence.mode().sqlName(),
                evidence.statement() == null ? null : evidence.statement().sql(), message, hint,
                evidence.lock() == null ? null : evidence.lock().heldMs(), evidence.rows());
    }
}
