package dev.lockwatch.alembic;

/**
 * One finished alembic invocation.
 *
 * @param output stdout and stderr interleaved, as the user would see them in a terminal
 */
public record AlembicResult(int exitCode, String output, long durationMs, boolean timedOut) {

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    /** The tail of the output that says what went wrong: the exception line and what follows it. */
    public String errorSummary() {
        String[] lines = output.strip().split("\n");
        int from = Math.max(0, lines.length - 12);
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].matches("^[A-Za-z_.]+(Error|Exception|Warning)\\b.*") || lines[i].startsWith("FAILED:")) {
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
        return summary.toString();
    }

    /** The last line of {@link #errorSummary()}: the exception itself, for one-line messages. */
    public String lastErrorLine() {
        String[] lines = errorSummary().strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
