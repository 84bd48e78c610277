package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.model.SourceLocation;
import java.io.IOException;
import dev.lockwatch.review.PythonText;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a failed downgrade raised on purpose: NotImplementedError, or the traceback's innermost frame in a revision
 * file is a {@code raise} statement in that file's own {@code downgrade()}. A failure inside an {@code op.*} call
 * (e.g. {@code op.drop_constraint(None, ...)}) is an accident, not a declaration.
 */
final class OneWayDowngrade {
    private static final Pattern DEF = Pattern.compile("^(\\s*)(?:async\\s+)?def\\s+(\\w+)\\s*\\(");

    private OneWayDowngrade() {
    }

    static boolean declared(AlembicResult result, List<Path> versionFolders) {
        if (result.timedOut()) {
            return false;
        }
        if (result.lastErrorLine().startsWith("NotImplementedError")) {
            return true;
        }
        SourceLocation at = result.failureSource(versionFolders);
        if (at == null || at.line().isEmpty()) {
            return false;
        }
        try {
            List<String> lines = PythonText.read(at.file()).lines().toList();
            int index = at.line().getAsInt() - 1;
            return index < lines.size() && lines.get(index).strip().startsWith("raise")
                    && "downgrade".equals(enclosingFunction(lines, index));
        } catch (IOException e) {
            return false;
        }
    }

    /** The function whose body holds line {@code index}: the nearest def above it, indented less. */
    private static String enclosingFunction(List<String> lines, int index) {
        int indent = indentOf(lines.get(index));
        for (int i = index - 1; i >= 0; i--) {
            Matcher m = DEF.matcher(lines.get(i));
            if (m.find() && m.group(1).length() < indent) {
                return m.group(2);
            }
        }
        return null;
    }

    private static int indentOf(String line) {
        return line.length() - line.stripLeading().length();
    }
}
