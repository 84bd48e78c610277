package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import java.util.Collection;

/** A suppression (a comment or a config allowance for a verified revision) that matched no finding. */
public final class UnusedSuppression implements FindingKind {

    @Override
    public String name() {
        return "unused-suppression";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "a suppression that matched no finding: stale, misplaced, or naming a rule that does not exist";
    }

    @Override
    public String explanation() {
        return "A suppression that matches nothing hides nothing today but will hide the next real finding on "
                + "that line. Usually the code was fixed (remove the comment), the comment is not on the op.* "
                + "call's line or the line above it, or the rule name is misspelt (see lockwatch explain).";
    }

    /**
     * @param unknownRules rule names in the suppression that no rule has
     */
    public Finding finding(SourceLocation where, Collection<String> rules, Collection<String> unknownRules) {
        String message = "suppression of " + String.join(", ", rules) + " matched no finding"
                + (unknownRules.isEmpty() ? "" : "; no rule is named " + String.join(", ", unknownRules));
        return finding(message, unknownRules.isEmpty()
                ? "remove it, or move it to the line of the op.* call it is meant for (or the line above)"
                : "use a rule name from lockwatch explain").at(where);
    }
}
