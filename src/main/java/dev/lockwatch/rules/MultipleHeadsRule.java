package dev.lockwatch.rules;

import dev.lockwatch.model.ChainSummary;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Severity;
import java.util.List;

/** The chain has several heads and no {@code --to} chose: {@code alembic upgrade head} fails on such a chain. */
public final class MultipleHeadsRule implements Rule {

    @Override
    public String name() {
        return "multiple-heads";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "the revision chain has more than one head: alembic upgrade head fails with \"Multiple head revisions\"";
    }

    @Override
    public List<Finding> checkChain(ChainSummary chain) {
        if (chain.heads().size() <= 1 || chain.targetGiven()) {
            return List.of();
        }
        String heads = String.join(", ", chain.heads());
        return List.of(finding("the chain has " + chain.heads().size() + " heads (" + heads + "): "
                + "a deploy running alembic upgrade head fails with \"Multiple head revisions are present\"; lockwatch "
                + "verified the revisions up to all of them", "merge them with alembic merge -m \"merge heads\" "
                + String.join(" ", chain.heads()) + ", or pass --to with the head to verify"));
    }
}
