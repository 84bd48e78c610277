package dev.lockwatch.report;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * GitHub Actions workflow commands ({@code ::error file=...,line=...,title=...::message}), one per unsuppressed
 * finding, so findings land on the pull request's diff. Files are relative to the repository root, as GitHub
 * expects. Suppressed findings are left out: the other reports list them; so are findings folded into a chain
 * finding, which stands for them once.
 */
public final class GithubReporter implements Reporter {

    @Override
    public void write(VerifyReport report, Writer writer) throws IOException {
        PrintWriter out = new PrintWriter(writer);
        report.allFindings().filter(f -> !f.suppressed() && !f.folded()).forEach(f -> out.println(command(report, f)));
        out.flush();
    }

    static String command(VerifyReport report, Finding finding) {
        String level = switch (finding.severity()) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case INFO -> "notice";
        };
        StringBuilder properties = new StringBuilder();
        finding.location().ifPresent(location -> {
            properties.append("file=").append(property(report.repositoryFile(location.file())));
            if (location.line().isPresent()) {
                properties.append(",line=").append(location.line().getAsInt());
            }
            properties.append(',');
        });
        properties.append("title=").append(property("lockwatch " + finding.rule().name()));
        String message = finding.message() + finding.hint().map(h -> "\nfix: " + h).orElse("");
        return "::" + level + " " + properties + "::" + data(message);
    }

    /** A workflow command's message: %, CR and LF escaped. */
    static String data(String value) {
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    /** A property value: as {@link #data}, plus ':' and ','. */
    static String property(String value) {
        return data(value).replace(":", "%3A").replace(",", "%2C");
    }
}
