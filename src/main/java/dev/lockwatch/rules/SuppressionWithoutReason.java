package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SuppressionComment;
import java.util.List;

/** A suppression comment with no reason: it suppresses nothing and fails the run. */
public final class SuppressionWithoutReason implements FindingKind {

    @Override
    public String name() {
        return "suppression-without-reason";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "a # lockwatch: ignore[...] comment without reason: WHY";
    }

    @Override
    public String explanation() {
        return "A suppression is a reviewed decision that a finding is safe here, and the reviewer needs to know "
                + "why (the table holds 40 rows, the service is down during this deploy). Without a reason the "
                + "comment suppresses nothing and is itself an error. Fix: append reason: followed by the why.";
    }

    public List<Finding> check(List<SuppressionComment> comments) {
        return comments.stream().filter(c -> c.problem() == null && !c.hasReason()).map(c -> finding(
                "suppression of " + String.join(", ", c.rules()) + " has no reason, so it suppresses nothing",
                "add the why: # lockwatch: ignore[" + String.join(",", c.rules()) + "] reason: ...")
                .at(c.location())).toList();
    }
}
