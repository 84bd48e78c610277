package dev.lockwatch.cli;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.report.ReportFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine.Option;

/** Where the reports go, in which formats. */
final class ReportOptions {
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", converter = Format.class,
            description = "report format on standard output, or in --output: text, json, sarif, junit, github, "
                    + "markdown, codequality (default: ${DEFAULT-VALUE})")
    ReportFormat format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "write the --format report to FILE instead of standard output")
    Path output;

    @Option(names = {"-v", "--verbose"},
            description = "text and markdown reports: every revision with every lock of every statement, and each "
                    + "finding with its fix (default: what fails, then only what the table does not show)")
    boolean verbose;

    @Option(names = "--report", paramLabel = "FORMAT=PATH", converter = Target.class,
            description = "also write a report in FORMAT to PATH (- for standard output); repeatable, e.g. "
                    + "--report sarif=out/lockwatch.sarif --report markdown=out/comment.md. The text report stays "
                    + "on standard output unless a --report writes there")
    List<ReportTarget> reports = new ArrayList<>();

    /**
     * {@code --report} targets, plus the {@code --format}/{@code --output} one; that one is left out only when
     * neither was given and a {@code --report} already writes to standard output. Checked before the run, so a
     * typo costs no migration time.
     */
    List<ReportTarget> targets(Predicate<String> matched) {
        if (output != null && output.toAbsolutePath().getParent() != null && !Files.isDirectory(output.toAbsolutePath().getParent())) {
            throw LockwatchException.usage("--output " + output + ": folder " + output.toAbsolutePath().getParent()
                    + " does not exist");
        }
        List<ReportTarget> targets = new ArrayList<>(reports);
        boolean stdoutTaken = targets.stream().anyMatch(ReportTarget::toStdout);
        if (matched.test("--format") || matched.test("--output") || !stdoutTaken) {
            targets.add(0, new ReportTarget(format, output));
        }
        ReportTarget.requireDistinct(targets);
        for (ReportTarget target : targets) {
            Path parent = target.file() == null ? null : target.file().toAbsolutePath().getParent();
            if (parent != null) {
                try {
                    Files.createDirectories(parent);
                } catch (IOException e) {
                    throw LockwatchException.usage("--report " + target + ": cannot create folder " + parent + ": " + e.getMessage());
                }
            }
        }
        return targets;
    }

    static final class Format extends EnumConverter<ReportFormat> {
        Format() {
            super(ReportFormat.class, "--format");
        }
    }

    static final class Target implements picocli.CommandLine.ITypeConverter<ReportTarget> {
        @Override
        public ReportTarget convert(String value) {
            return ReportTarget.parse(value);
        }
    }
}
