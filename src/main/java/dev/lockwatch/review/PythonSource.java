package dev.lockwatch.review;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A revision file read the way Python's tokenizer splits it, as far as lockwatch needs: which physical lines
 * make up each logical line (a call spans lines inside brackets), where comments are, and where the file's
 * header ends. Strings are skipped, so a {@code #} inside a string is no comment.
 */
final class PythonSource {
    private final int lineCount;
    private final int[] statementStart;
    private final int[] statementEnd;
    private final List<Comment> comments;
    private final int firstStatementLine;

    /** A {@code #} comment; {@code ownLine} when nothing but whitespace precedes it on its line. */
    record Comment(int line, String text, boolean ownLine) {
    }

    private PythonSource(int lineCount, int[] statementStart, int[] statementEnd, List<Comment> comments,
                         int firstStatementLine) {
        this.lineCount = lineCount;
        this.statementStart = statementStart;
        this.statementEnd = statementEnd;
        this.comments = comments;
        this.firstStatementLine = firstStatementLine;
    }

    static PythonSource read(Path file) {
        try {
            return parse(PythonText.read(file));
        } catch (IOException e) {
            return parse("");
        }
    }

    static PythonSource parse(String source) {
        int lines = (int) source.lines().count() + 1;
        int[] start = new int[lines + 2];
        int[] end = new int[lines + 2];
        List<Comment> comments = new ArrayList<>();
        List<int[]> statements = new ArrayList<>();
        int line = 1;
        int depth = 0;
        int open = -1; // first line of the logical line being read, -1 between statements
        boolean lineHasCode = false;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '\n') {
                if (open >= 0 && depth <= 0 && !continued(source, i)) {
                    statements.add(new int[] {open, line});
                    open = -1;
                    depth = 0;
                }
                line++;
                lineHasCode = false;
            } else if (c == '#') {
                int eol = source.indexOf('\n', i);
                eol = eol < 0 ? source.length() : eol;
                comments.add(new Comment(line, source.substring(i + 1, eol), !lineHasCode));
                i = eol - 1;
            } else if (c == '\'' || c == '"') {
                if (open < 0) {
                    open = line;
                }
                lineHasCode = true;
                boolean triple = source.startsWith(String.valueOf(c).repeat(3), i);
                String quote = triple ? String.valueOf(c).repeat(3) : String.valueOf(c);
                int j = i + quote.length();
                while (j < source.length() && !source.startsWith(quote, j)) {
                    if (source.charAt(j) == '\\') {
                        if (j + 1 < source.length() && source.charAt(j + 1) == '\n') {
                            line++;
                        }
                        j++;
                    } else if (source.charAt(j) == '\n') {
                        if (!triple) {
                            break; // unterminated: let the newline end the line
                        }
                        line++;
                    }
                    j++;
                }
                i = Math.min(source.length(), j + (j < source.length() && source.charAt(j) != '\n' ? quote.length() : 0)) - 1;
            } else if (!Character.isWhitespace(c)) {
                if (open < 0 && c != '\\') {
                    open = line;
                }
                lineHasCode = true;
                if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    depth--;
                }
            }
        }
        if (open >= 0) {
            statements.add(new int[] {open, line});
        }
        for (int[] s : statements) {
            for (int l = s[0]; l <= Math.min(s[1], lines); l++) {
                start[l] = s[0];
                end[l] = s[1];
            }
        }
        return new PythonSource(lines, start, end, List.copyOf(comments), headerEnd(source, statements));
    }

    /** A backslash right before the newline continues the logical line. */
    private static boolean continued(String source, int newline) {
        int k = newline - 1;
        if (k >= 0 && source.charAt(k) == '\r') {
            k--;
        }
        return k >= 0 && source.charAt(k) == '\\';
    }

    /** The first statement's line, the module docstring aside. */
    private static int headerEnd(String source, List<int[]> statements) {
        if (statements.isEmpty()) {
            return Integer.MAX_VALUE;
        }
        List<String> lines = source.lines().toList();
        String first = lines.get(statements.get(0)[0] - 1).stripLeading();
        boolean docstring = first.matches("(?i)^[rub]{0,2}(\"|').*");
        if (!docstring) {
            return statements.get(0)[0];
        }
        return statements.size() > 1 ? statements.get(1)[0] : Integer.MAX_VALUE;
    }

    List<Comment> comments() {
        return comments;
    }

    /** The first line of the statement {@code line} belongs to; {@code line} itself outside any statement. */
    int statementStart(int line) {
        return line >= 1 && line < statementStart.length && statementStart[line] > 0 ? statementStart[line] : line;
    }

    int statementEnd(int line) {
        return line >= 1 && line < statementEnd.length && statementEnd[line] > 0 ? statementEnd[line] : line;
    }

    /** The first line of code after {@code line} that a comment above it would cover, skipping comment lines only. */
    int nextStatementAfter(int line) {
        for (int l = line + 1; l < lineCount; l++) {
            if (statementStart[l] == l) {
                return l;
            }
            int candidate = l;
            boolean commentLine = comments.stream().anyMatch(c -> c.line() == candidate && c.ownLine());
            if (!commentLine) {
                return -1;
            }
        }
        return -1;
    }

    /** Own-line comments before this line are in the file's header (file-scoped suppressions). */
    int firstStatementLine() {
        return firstStatementLine;
    }
}
