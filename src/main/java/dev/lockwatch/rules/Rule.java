package dev.lockwatch.rules;

import dev.lockwatch.model.ChainSummary;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Statement;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One kind of finding: a pure function from what a revision's run (or the chain) showed to findings. A rule
 * judges a revision, the chain, or both; what it does not judge it leaves at the empty default.
 */
public interface Rule extends FindingKind {

    default List<Finding> check(RevisionRun run) {
        return List.of();
    }

    default List<Finding> checkChain(ChainSummary chain) {
        return List.of();
    }

    /**
     * A finding about {@code evidence}: its table, lock, statement, how long the lock was held and the rows; with
     * production's statistics ({@code --table-stats}), the hold time scaled to production's size, as an estimate.
     */
    default Finding finding(Evidence evidence, String message, String hint) {
        String atProduction = evidence.lock() == null || evidence.lock().estimate() == null ? ""
                : " (" + evidence.lock().estimate().describe() + ")";
        return new Finding(id(), defaultSeverity(), Optional.ofNullable(evidence.table()),
                Optional.ofNullable(evidence.mode()), Optional.ofNullable(evidence.statement()).map(Statement::sql),
                message + atProduction, Optional.of(hint),
                evidence.lock() == null ? OptionalLong.empty() : OptionalLong.of(evidence.lock().heldMs()),
                Optional.ofNullable(evidence.rows()));
    }
}
