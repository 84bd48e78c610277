package dev.lockwatch.alembic;

import dev.lockwatch.model.SourceLocation;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One finished alembic invocation.
 *
 * @param output        stdout and stderr interleaved, as the user would see them in a terminal
 * @param reportedGates the lockwatch gates its sessions reported in-band, as capture.sql wrote them (a command
 *                      through the shared driver); empty when they waited for the watcher instead
 */
public record AlembicResult(int exitCode, String output, long durationMs, boolean timedOut, List<String> reportedGates) {
    private static final Pattern FRAME = Pattern.compile("^\\s*File \"(.+)\", line (\\d+), in ", Pattern.MULTILINE);
    private static final Pattern SOURCE_TAG = Pattern.compile("/\\* lockwatch-source .+?:\\d+ \\*/ ?");
    /** Python's default repr names where an object lives ({@code <... object at 0x7f3a...>}): another address each run. */
    private static final Pattern ADDRESS = Pattern.compile(" at 0x[0-9a-fA-F]+>");
    /** The line a Python traceback ends with: the exception's class and message. */
    private static final Pattern EXCEPTION_LINE = Pattern.compile("^[A-Za-z_.]+(Error|Exception|Warning)\\b.*");

    public AlembicResult {
        reportedGates = List.copyOf(reportedGates);
    }

    public AlembicResult(int exitCode, String output, long durationMs, boolean timedOut) {
        this(exitCode, output, durationMs, timedOut, List.of());
    }

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    /** The tail of the output that says what went wrong: the exception line and what follows it. */
    public String errorSummary() {
        String[] lines = output.strip().split("\n");
        int from = Math.max(0, lines.length - 12);
        for (int i = lines.length - 1; i >= 0; i--) {
            if (EXCEPTION_LINE.matcher(lines[i]).matches() || lines[i].startsWith("FAILED:")) {
                from = i;
                break;
            }
        }
        StringBuilder summary = new StringBuilder();
        for (int i = from; i < lines.length && i < from + 12; i++) {
            String line = lines[i].strip();
            if (line.startsWith("(Background on this error")) {
                continue;
            }
            summary.append(summary.isEmpty() ? "" : "\n").append(line);
        }
        // SQLAlchemy quotes the statement as sent, tag included, and psycopg2's message may quote the driver's count
        String said = SourceTag.withoutMessageTags(SOURCE_TAG.matcher(summary).replaceAll(""));
        return ADDRESS.matcher(said).replaceAll(">"); // the same failure reads the same in every run
    }

    /**
     * The innermost traceback frame in one of {@code versionFolders}: the revision-file line (an op.* call)
     * the failure came from. Null when the output has no such frame.
     */
    public SourceLocation failureSource(List<Path> versionFolders) {
        SourceLocation innermost = null;
        Matcher m = FRAME.matcher(output);
        while (m.find()) {
            Path file = Path.of(m.group(1)).toAbsolutePath().normalize();
            if (versionFolders.stream().anyMatch(folder -> file.startsWith(folder.toAbsolutePath().normalize()))) {
                innermost = new SourceLocation(file, Integer.parseInt(m.group(2)));
            }
        }
        return innermost;
    }

    /** {@link #headline} of {@link #errorSummary()}: the exception itself, for one-line messages. */
    public String lastErrorLine() {
        return headline(errorSummary());
    }

    /**
     * The exception line of an error summary, with the server's HINT or DETAIL when it gave one; the summary's last
     * line when it has no exception line (a crash, a lock a session left). Not simply the last line: SQLAlchemy
     * quotes the statement after the exception, and a revision's statement of many lines ended the message with
     * one of them ("the baseline failed: create table t8 (...)" for an out of shared memory).
     */
    public static String headline(String summary) {
        String[] lines = summary.strip().split("\n");
        if (!EXCEPTION_LINE.matcher(lines[0]).matches()) {
            return lines[lines.length - 1].strip();
        }
        StringBuilder headline = new StringBuilder(lines[0].strip());
        for (int i = 1; i < lines.length && !lines[i].startsWith("[SQL: "); i++) {
            String line = lines[i].strip();
            if (line.startsWith("HINT:") || line.startsWith("DETAIL:")) {
                headline.append("; ").append(line.replaceAll("\\s+", " "));
            }
        }
        return headline.toString();
    }
}
