package dev.lockwatch.report;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;

/**
 * A pull-request comment: the verdict, then per revision a table of its findings and, collapsed, its
 * statements with their locks and the fixes. Starts with a hidden marker so a CI job can find and update its
 * previous comment.
 */
public final class MarkdownReporter implements Reporter {
    /** The first line of every comment lockwatch writes. */
    public static final String MARKER = "<!-- lockwatch-report -->";
    private static final int SQL_WIDTH = 120;

    @Override
    public void write(VerifyReport report, Writer writer) throws IOException {
        PrintWriter out = new PrintWriter(writer);
        out.println(MARKER);
        out.printf("### lockwatch: %s%n%n", report.hasErrors() ? "❌ failed" : "✅ passed");
        out.printf("%s. Baseline `%s`%s%s.%n", capitalized(Texts.counts(report)), report.baseline(),
                report.git() == null ? "" : ", revision files added since `" + report.git().ref() + "`",
                report.revisions().isEmpty() ? "" : ", PostgreSQL " + report.postgres().version() + " ("
                        + report.postgres().provider() + ")");
        if (!report.chainFindings().isEmpty()) {
            out.printf("%n#### Revision history%n%n");
            findings(out, report, report.chainFindings());
        }
        for (RevisionResult result : report.revisions()) {
            revision(out, report, result);
        }
        out.flush();
    }

    private static void revision(PrintWriter out, VerifyReport report, RevisionResult result) {
        RevisionRun run = result.run();
        String mark = run.status() == RevisionStatus.NOT_RUN ? "⏭️" : result.hasErrors() ? "❌" : "✅";
        out.printf("%n#### %s `%s` %s%n%n", mark, run.revision().id(), cell(run.revision().message()));
        out.printf("`%s` · %s%s%n%n", report.repositoryFile(run.revision().file()), run.status().label(),
                run.status() == RevisionStatus.NOT_RUN ? "" : " in " + run.durationMs() + " ms");
        if (result.findings().isEmpty()) {
            out.println("No findings.");
        } else {
            findings(out, report, result.findings());
        }
        if (!run.statements().isEmpty()) {
            out.printf("%n<details><summary>Statements and locks (%d)</summary>%n%n", run.statements().size());
            out.println("| Line | Statement | Table | Lock | Held | Busy | Effect |");
            out.println("|---|---|---|---|---|---|---|");
            for (Statement statement : run.statements()) {
                String line = statement.source() == null || statement.source().line() == null ? "" : statement.source().line().toString();
                String sql = cell(Texts.oneLine(statement.sql(), SQL_WIDTH));
                if (statement.locks().isEmpty()) {
                    out.printf("| %s | %s | | | | | |%n", line, sql);
                }
                for (ObservedLock lock : statement.locks()) {
                    out.printf("| %s | %s | %s | %s | %d ms | %s | %s |%n", line, sql, lock.table(), lock.mode().sqlName(),
                            lock.heldMs(), lock.busy() ? "yes" : "no", cell(lock.mode().impact()));
                }
            }
            out.printf("%n</details>%n");
        }
    }

    private static void findings(PrintWriter out, VerifyReport report, List<Finding> findings) {
        out.println("| Severity | Rule | Where | Table | Lock | Finding |");
        out.println("|---|---|---|---|---|---|");
        for (Finding f : findings) {
            String severity = (f.severity() == Severity.ERROR ? "❌ " : f.severity() == Severity.WARNING ? "⚠️ " : "ℹ️ ")
                    + f.severity().label();
            out.printf("| %s | `%s` | %s | %s | %s | %s |%n", f.suppressed() ? "~~" + severity + "~~ suppressed" : severity,
                    f.rule(), code(Texts.where(report, f)), code(f.table()), cell(f.lock()), cell(f.message())
                            + (f.suppressed() ? "<br>**Reason:** " + cell(f.suppression().reason()) : ""));
        }
        List<Finding> fixes = findings.stream().filter(f -> !f.suppressed() && f.hint() != null).toList();
        if (!fixes.isEmpty()) {
            out.printf("%n<details><summary>How to fix</summary>%n%n");
            for (Finding f : fixes) {
                out.printf("- `%s` %s: %s%n", f.rule(), code(Texts.where(report, f)), cell(f.hint()));
            }
            out.printf("%n</details>%n");
        }
    }

    /** Table-cell text: no line breaks, no pipes, no HTML. */
    static String cell(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
                .replace("\r", "").replace("\n", "<br>");
    }

    private static String code(String text) {
        return text == null || text.isEmpty() ? "" : "`" + cell(text).replace("`", "'") + "`";
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
