package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SuppressionComment;
import java.util.List;

/** A {@code # lockwatch:} comment lockwatch cannot read: it suppresses nothing. */
public final class InvalidSuppression implements FindingKind {

    @Override
    public String name() {
        return "invalid-suppression";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "a # lockwatch: comment that is not of the form ignore[RULE,...] reason: WHY";
    }

    @Override
    public String explanation() {
        return "A misspelt suppression silently suppresses nothing, so lockwatch refuses it. Write "
                + "# lockwatch: ignore[RULE] reason: WHY on the line of the op.* call or the line above it, or at "
                + "the top of the file for the whole file; several rules are separated by commas.";
    }

    public List<Finding> check(List<SuppressionComment> comments) {
        return comments.stream().filter(c -> c.problem() != null).map(c -> finding(
                "unreadable lockwatch comment: " + c.problem(),
                "write # lockwatch: ignore[RULE] reason: WHY").at(c.location())).toList();
    }
}
