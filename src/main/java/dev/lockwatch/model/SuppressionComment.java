package dev.lockwatch.model;

import java.util.List;
import java.util.OptionalInt;

/**
 * A {@code # lockwatch: ignore[RULE,...] reason: WHY} comment in a revision file.
 *
 * @param location  the comment's file and line
 * @param scope     FILE for a comment in the file's header (before its first statement, the docstring aside),
 *                  else LINE
 * @param firstLine for LINE: the first line of the statement it covers (its own, or the next one below an
 *                  own-line comment)
 * @param lastLine  for LINE: the statement's last line (calls span lines)
 * @param reason    the text after {@code reason:}; null or blank when missing
 * @param problem   why the comment cannot be read, or null when it is well formed
 */
public record SuppressionComment(SourceLocation location, Scope scope, int firstLine, int lastLine, List<String> rules,
                                 String reason, String problem) {

    public enum Scope { FILE, LINE }

    public SuppressionComment {
        rules = List.copyOf(rules);
    }

    public boolean hasReason() {
        return reason != null && !reason.isBlank();
    }

    /** Well formed and with a reason: the only kind that suppresses anything. */
    public boolean valid() {
        return problem == null && hasReason();
    }

    /** Covers a finding of {@code rule} at {@code line} of the same file (no line: file scope only). */
    public boolean covers(RuleId rule, OptionalInt line) {
        if (!rules.contains(rule.name())) {
            return false;
        }
        return scope == Scope.FILE || (line.isPresent() && line.getAsInt() >= firstLine && line.getAsInt() <= lastLine);
    }
}
