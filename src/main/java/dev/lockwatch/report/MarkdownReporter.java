package dev.lockwatch.report;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionResult.Verdict;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pull-request comment: the verdict and a table of what fails, the chain's findings, then the revisions with
 * something the table does not show (all of them, with every lock, when verbose), and each fix once. Starts with
 * a hidden marker so a CI job can find and update its previous comment.
 */
public final class MarkdownReporter implements Reporter {
    /** The first line of every comment lockwatch writes. */
    public static final String MARKER = "<!-- lockwatch-report -->";
    private static final int SQL_WIDTH = 120;
    private static final int WHY_WIDTH = 160;
    private final boolean verbose;

    public MarkdownReporter() {
        this(false);
    }

    public MarkdownReporter(boolean verbose) {
        this.verbose = verbose;
    }

    @Override
    public void write(VerifyReport report, Writer writer) throws IOException {
        PrintWriter out = new PrintWriter(writer);
        out.println(MARKER);
        out.printf("### lockwatch: %s%n%n", report.hasErrors() ? "❌ failed" : "✅ passed");
        out.printf("%s. Baseline `%s`%s%s.%n", capitalized(Texts.counts(report)), report.baseline(),
                report.git() == null ? "" : ", revision files added since `" + report.git().ref() + "`",
                report.revisions().isEmpty() ? "" : ", PostgreSQL " + report.postgres().version() + " ("
                        + report.postgres().provider() + ")");
        rows(out, report, "What fails", Texts.rows(report, Severity.ERROR, true));
        List<Finding> chain = report.chainFindings().stream().filter(f -> verbose || f.severity() != Severity.INFO).toList();
        if (!chain.isEmpty()) {
            out.printf("%n#### Whole chain%n%n");
            findings(out, report, chain);
            if (!verbose) { // the revisions' fixes are gathered below; the chain's are its own
                out.println();
                chain.stream().filter(f -> f.hint().isPresent() && !f.suppressed())
                        .forEach(f -> out.printf("- **Fix** `%s`: %s%n", f.rule().name(), cell(f.hint().get())));
            }
        }
        if (!verbose) {
            rows(out, report, "Warnings", Texts.rows(report, Severity.WARNING, false));
        }
        List<RevisionResult> summed = new ArrayList<>();
        for (RevisionResult result : report.revisions()) {
            if (verbose || Texts.detailed(result)) {
                revision(out, report, result);
            } else {
                summed.add(result);
            }
        }
        Map<Verdict, List<String>> byVerdict = Texts.byVerdict(summed);
        if (!byVerdict.isEmpty()) {
            out.println();
            byVerdict.forEach((verdict, ids) -> out.printf("- %s %s (%d): %s%n", mark(verdict), verdict.label(), ids.size(),
                    String.join(", ", ids.stream().map(id -> "`" + id + "`").toList())));
        }
        if (!verbose) {
            fixes(out, report);
        }
        out.flush();
    }

    private static String mark(Verdict verdict) {
        return switch (verdict) {
            case OK -> "✅";
            case WARNINGS -> "⚠️";
            case ERROR, FAILED -> "❌";
            case NOT_RUN -> "⏭️";
        };
    }

    private void revision(PrintWriter out, VerifyReport report, RevisionResult result) {
        RevisionRun run = result.run();
        out.printf("%n#### %s `%s` %s%n%n", mark(result.verdict()), run.revision().id(), cell(run.revision().message()));
        out.printf("`%s` · %s%s%n%n", report.repositoryFile(run.revision().file()), result.verdict().label(),
                run.status() == RevisionStatus.NOT_RUN ? "" : " in " + run.durationMs() + " ms");
        List<Finding> shown = result.shown().stream().filter(f -> verbose || Texts.blockShows(result, f)).toList();
        if (shown.isEmpty()) {
            out.println("No findings.");
        } else {
            findings(out, report, shown);
        }
        if (verbose && !run.statements().isEmpty()) {
            out.printf("%n<details><summary>Statements and locks (%d)</summary>%n%n", run.statements().size());
            out.println("| Line | Statement | Table | Lock | Held | Busy | Effect |");
            out.println("|---|---|---|---|---|---|---|");
            for (Statement statement : run.statements()) {
                String line = statement.source() == null || statement.source().line().isEmpty() ? ""
                        : String.valueOf(statement.source().line().getAsInt());
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

    private void findings(PrintWriter out, VerifyReport report, List<Finding> findings) {
        out.println("| Severity | Rule | Where | Table | Lock | Finding |");
        out.println("|---|---|---|---|---|---|");
        for (Finding f : findings) {
            String severity = (f.severity() == Severity.ERROR ? "❌ " : f.severity() == Severity.WARNING ? "⚠️ " : "ℹ️ ")
                    + f.severity().label();
            out.printf("| %s | `%s` | %s | %s | %s | %s |%n", f.suppressed() ? "~~" + severity + "~~ suppressed" : severity,
                    f.rule().name(), code(Texts.where(report, f)), code(table(f)), cell(f.lock().map(LockMode::sqlName).orElse("")),
                    cell(f.message()) + f.suppression().map(s -> "<br>**Reason:** " + cell(s.reason())).orElse(""));
        }
        List<Finding> fixes = findings.stream().filter(f -> !f.suppressed() && f.hint().isPresent()).toList();
        if (verbose && !fixes.isEmpty()) {
            out.printf("%n<details><summary>How to fix</summary>%n%n");
            for (Finding f : fixes) {
                out.printf("- `%s` %s: %s%n", f.rule().name(), code(Texts.where(report, f)), cell(f.hint().get()));
            }
            out.printf("%n</details>%n");
        }
    }

    /** Each fix once, with the revisions it applies to. */
    private static void fixes(PrintWriter out, VerifyReport report) {
        List<Texts.Fix> fixes = Texts.fixes(report);
        if (fixes.isEmpty()) {
            return;
        }
        out.printf("%n<details><summary>How to fix</summary>%n%n");
        fixes.forEach(fix -> out.printf("- `%s` (%s): %s%s%n", fix.rule().name(), cell(Texts.list(fix.revisions(), 80)),
                cell(fix.hint()), fix.varies() ? " (for `" + fix.revisions().get(0) + "`; the others alike)" : ""));
        out.printf("%n</details>%n");
    }

    /** A table of findings, one row each: revision, rule, table, why, file:line. */
    private static void rows(PrintWriter out, VerifyReport report, String title, List<Texts.Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        out.printf("%n**%s** (%d)%n%n| Revision | Rule | Table | Why | Where |%n|---|---|---|---|---|%n", title, rows.size());
        for (Texts.Row row : rows) {
            out.printf("| `%s` | `%s` | %s | %s | %s |%n", row.revisionLabel(), row.finding().rule().name(), code(table(row.finding())),
                    cell(Texts.cut(Texts.why(row.finding()), WHY_WIDTH)), code(Texts.where(report, row.finding())));
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

    private static String table(Finding finding) {
        return finding.table().map(TableRef::toString).orElse("");
    }

    private static String code(String text) {
        return text == null || text.isEmpty() ? "" : "`" + cell(text).replace("`", "'") + "`";
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
