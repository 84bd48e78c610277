package dev.lockwatch.alembic;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads the revision files of a script directory without running them. */
public final class RevisionScanner {
    /** {@code name = value} or {@code name: Type = value} at module level, value possibly spanning lines. */
    private static final Pattern ASSIGNMENT = Pattern.compile(
            "^(revision|down_revision|branch_labels|depends_on)\\s*(?::[^=\\n]+)?=\\s*(.+)$", Pattern.MULTILINE);
    private static final Pattern DOCSTRING = Pattern.compile("^\\s*(?:[rRuU]?)(\"\"\"|''')\\s*(.*?)\\s*$", Pattern.MULTILINE);

    private RevisionScanner() {
    }

    public static List<Revision> scan(AlembicIni ini) {
        List<Revision> revisions = new ArrayList<>();
        Map<String, Path> seen = new HashMap<>();
        for (Path folder : ini.versionLocations()) {
            if (!Files.isDirectory(folder)) {
                throw LockwatchException.usage("version folder " + folder + " (from " + ini.file()
                        + ") does not exist");
            }
            for (Path file : pythonFiles(folder, ini.recursiveVersionLocations())) {
                Optional<Revision> revision = read(file);
                if (revision.isEmpty()) {
                    continue;
                }
                Path previous = seen.put(revision.get().id(), file);
                if (previous != null) {
                    throw LockwatchException.usage("revision " + revision.get().id() + " is declared twice: "
                            + previous + " and " + file);
                }
                revisions.add(revision.get());
            }
        }
        return revisions;
    }

    /** The revision a file declares, or empty for a module that declares none (helpers, __init__.py). */
    public static Optional<Revision> read(Path file) {
        String source;
        try {
            source = Files.readString(file);
        } catch (IOException e) {
            throw LockwatchException.usage("cannot read revision file " + file + ": " + e.getMessage());
        }
        return parse(file, source);
    }

    /** The revision {@code source} declares; {@code file} names it in errors and in the result. */
    public static Optional<Revision> parse(Path file, String source) {
        Map<String, String> values = new HashMap<>();
        Matcher m = ASSIGNMENT.matcher(source);
        while (m.find()) {
            values.putIfAbsent(m.group(1), completeExpression(source, m.start(2)));
        }
        String id = values.get("revision");
        if (id == null) {
            return Optional.empty();
        }
        String revision = PythonLiterals.string(id).orElseThrow(() -> unreadable(file, "revision", id));
        return Optional.of(new Revision(revision,
                list(file, values, "down_revision"),
                list(file, values, "depends_on"),
                list(file, values, "branch_labels"),
                file,
                message(source)));
    }

    private static List<String> list(Path file, Map<String, String> values, String name) {
        String expression = values.get(name);
        if (expression == null) {
            return List.of();
        }
        return PythonLiterals.stringsOrNone(expression).orElseThrow(() -> unreadable(file, name, expression));
    }

    private static LockwatchException unreadable(Path file, String name, String expression) {
        return LockwatchException.usage(file + ": cannot read " + name + " = " + expression.strip()
                + " (lockwatch reads string, None and tuple literals)");
    }

    /** The expression starting at {@code start}, extended over following lines while brackets are open. */
    private static String completeExpression(String source, int start) {
        int depth = 0;
        int i = start;
        for (; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '\'' || c == '"') {
                int end = source.indexOf(c, i + 1);
                if (end < 0) {
                    break;
                }
                i = end;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == '#' && depth == 0) {
                break;
            } else if (c == '\n' && depth <= 0) {
                break;
            }
        }
        return source.substring(start, i).replaceAll("#[^\\n]*", "").replace('\n', ' ').trim();
    }

    /** The first line of the module docstring, which is what Alembic shows as the revision's message. */
    private static String message(String source) {
        Matcher m = DOCSTRING.matcher(source);
        if (!m.find()) {
            return "";
        }
        String first = m.group(2);
        String quote = m.group(1);
        int close = first.indexOf(quote);
        return (close >= 0 ? first.substring(0, close) : first).trim();
    }

    private static List<Path> pythonFiles(Path folder, boolean recursive) {
        try (Stream<Path> files = recursive ? Files.walk(folder) : Files.list(folder)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".py"))
                    .filter(p -> !p.getFileName().toString().equals("__init__.py"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
