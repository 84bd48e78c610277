package dev.lockwatch.cli;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.report.ReportFormat;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * One report to write: a format and a file, or standard output.
 *
 * @param file null for standard output ({@code -})
 */
record ReportTarget(ReportFormat format, Path file) {
    static final String STDOUT = "-";

    /** {@code FORMAT=PATH} as {@code --report} takes it; a bad value is a one-line usage error. */
    static ReportTarget parse(String value) {
        int equals = value.indexOf('=');
        if (equals <= 0 || equals == value.length() - 1) {
            throw new EnumConverter.Refused("--report " + value + ": expected FORMAT=PATH, e.g. --report sarif=lockwatch.sarif"
                    + " (PATH - is standard output; formats: " + ReportFormat.names() + ")");
        }
        String name = value.substring(0, equals);
        ReportFormat format = ReportFormat.parse(name).orElseThrow(() -> new EnumConverter.Refused("--report " + value
                + ": " + name + " is not one of " + ReportFormat.names()));
        String path = value.substring(equals + 1);
        return new ReportTarget(format, path.equals(STDOUT) ? null : Path.of(path));
    }

    /** Two reports on standard output, or on one file, would interleave or overwrite each other. */
    static void requireDistinct(java.util.List<ReportTarget> targets) {
        java.util.Map<Path, ReportTarget> files = new java.util.HashMap<>();
        ReportTarget onStdout = null;
        for (ReportTarget target : targets) {
            ReportTarget other = target.toStdout() ? onStdout
                    : files.putIfAbsent(target.file().toAbsolutePath().normalize(), target);
            if (other != null) {
                throw LockwatchException.usage("reports " + other + " and " + target + " both write to "
                        + (target.toStdout() ? "standard output" : target.file().toAbsolutePath().normalize())
                        + ": give each report a file of its own (--report FORMAT=PATH, or --output FILE for --format)");
            }
            if (target.toStdout()) {
                onStdout = target;
            }
        }
    }

    boolean toStdout() {
        return file == null;
    }

    @Override
    public String toString() {
        return format.label() + "=" + (file == null ? STDOUT : file);
    }
}
