package dev.lockwatch.review;

import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.SuppressionComment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code # lockwatch: ignore[RULE,...] reason: WHY} comments from a revision file. A trailing comment
 * covers the statement it ends (every line of a call that spans lines); an own-line comment covers the
 * statement right below it (further comment lines may stand between, a blank line may not); an own-line
 * comment in the file's header, before its first statement (the module docstring aside), covers the file.
 */
final class SuppressionComments {
    private static final Pattern LOCKWATCH = Pattern.compile("^\\s*lockwatch\\s*:\\s*(.*)$");
    private static final Pattern IGNORE = Pattern.compile("^ignore\\s*\\[([^\\]]*)\\]\\s*(.*)$");
    private static final Pattern REASON = Pattern.compile("^reason\\s*:\\s*(.*)$");
    private static final Pattern RULE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private SuppressionComments() {
    }

    static List<SuppressionComment> read(Path file) {
        return parse(file, PythonSource.read(file));
    }

    static List<SuppressionComment> parse(Path file, PythonSource source) {
        List<SuppressionComment> found = new ArrayList<>();
        for (PythonSource.Comment comment : source.comments()) {
            Matcher lockwatch = LOCKWATCH.matcher(comment.text());
            if (lockwatch.matches()) {
                found.add(comment(file, source, comment, lockwatch.group(1).strip()));
            }
        }
        return found;
    }

    private static SuppressionComment comment(Path file, PythonSource source, PythonSource.Comment comment, String body) {
        SourceLocation at = new SourceLocation(file, comment.line());
        SuppressionComment.Scope scope;
        int first;
        int last;
        if (!comment.ownLine()) {
            scope = SuppressionComment.Scope.LINE;
            first = source.statementStart(comment.line());
            last = source.statementEnd(comment.line());
        } else if (comment.line() < source.firstStatementLine()) {
            scope = SuppressionComment.Scope.FILE;
            first = 0;
            last = 0;
        } else {
            scope = SuppressionComment.Scope.LINE;
            first = source.nextStatementAfter(comment.line());
            last = first < 0 ? -1 : source.statementEnd(first);
        }
        Matcher ignore = IGNORE.matcher(body);
        if (!ignore.matches()) {
            return new SuppressionComment(at, scope, first, last, List.of(), null,
                    "expected ignore[RULE,...] reason: WHY after 'lockwatch:', found '" + body + "'");
        }
        List<String> rules = Arrays.stream(ignore.group(1).split(",")).map(String::strip).filter(r -> !r.isEmpty()).toList();
        String problem = null;
        if (rules.isEmpty()) {
            problem = "ignore[] names no rule";
        } else if (rules.stream().anyMatch(r -> !RULE_NAME.matcher(r).matches())) {
            problem = "rule names are lower-case words joined by '-', found '" + ignore.group(1).strip() + "'";
        } else if (scope == SuppressionComment.Scope.LINE && first < 0) {
            problem = "no statement right below it: put it on the line of the op.* call or the line above";
        }
        String rest = ignore.group(2).strip();
        Matcher reason = REASON.matcher(rest);
        String why = reason.matches() ? reason.group(1).strip() : null;
        if (problem == null && why == null && !rest.isEmpty()) {
            problem = "expected 'reason: WHY' after ignore[...], found '" + rest + "'";
        }
        return new SuppressionComment(at, scope, first, last, rules, why, problem);
    }
}
