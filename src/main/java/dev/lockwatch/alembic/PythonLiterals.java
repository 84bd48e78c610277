package dev.lockwatch.alembic;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the literal forms revision files use for their identifiers: a string, None, or a tuple, list or
 * set of strings. Anything else (a computed value) yields empty so the caller can say what it cannot read.
 */
final class PythonLiterals {
    private PythonLiterals() {
    }

    static Optional<List<String>> stringsOrNone(String expression) {
        String text = expression.trim();
        if (text.equals("None")) {
            return Optional.of(List.of());
        }
        if (!text.isEmpty() && "([{".indexOf(text.charAt(0)) >= 0) {
            char close = switch (text.charAt(0)) {
                case '(' -> ')';
                case '[' -> ']';
                default -> '}';
            };
            if (text.charAt(text.length() - 1) != close) {
                return Optional.empty();
            }
            return items(text.substring(1, text.length() - 1));
        }
        return string(text).map(List::of);
    }

    private static Optional<List<String>> items(String body) {
        List<String> values = new ArrayList<>();
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (Character.isWhitespace(c) || c == ',') {
                i++;
                continue;
            }
            if (c != '\'' && c != '"') {
                return Optional.empty();
            }
            int end = body.indexOf(c, i + 1);
            if (end < 0) {
                return Optional.empty();
            }
            values.add(body.substring(i + 1, end));
            i = end + 1;
        }
        return Optional.of(values);
    }

    static Optional<String> string(String expression) {
        String text = expression.trim();
        if (text.length() >= 2 && (text.charAt(0) == '\'' || text.charAt(0) == '"')
                && text.charAt(text.length() - 1) == text.charAt(0)) {
            return Optional.of(text.substring(1, text.length() - 1));
        }
        return Optional.empty();
    }
}
