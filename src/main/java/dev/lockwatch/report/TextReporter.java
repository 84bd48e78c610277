package dev.lockwatch.report;

import dev.lockwatch.model.DowngradeCheck;
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

/** The human report: per revision, what it locked, for how long, what that does to traffic, and the findings. */
public final class TextReporter implements Reporter {
    private static final int SQL_WIDTH = 100;

    @Override
    public void write(VerifyReport report, Writer writer) throws IOException {
        PrintWriter out = new PrintWriter(writer);
        out.printf("lockwatch %s: %d revision(s) above %s on %s PostgreSQL %s (capture %s)%n", Version.current(),
                report.revisions().size(), report.baseline(), report.postgres().provider(), report.postgres().version(),
                report.postgres().captureMode());
        for (Finding finding : report.chainFindings()) {
            out.println();
            finding(out, finding);
        }
        for (RevisionResult result : report.revisions()) {
            out.println();
            revision(out, report, result);
        }
        out.println();
        out.printf("%s: %d revision(s): %d applied, %d failed, %d not run; %d error(s), %d warning(s)%n",
                report.hasErrors() ? "FAILED" : "PASSED", report.revisions().size(), report.count(RevisionStatus.APPLIED),
                report.count(RevisionStatus.FAILED), report.count(RevisionStatus.NOT_RUN), report.count(Severity.ERROR),
                report.count(Severity.WARNING));
        out.flush();
    }

    private static void revision(PrintWriter out, VerifyReport report, RevisionResult result) {
        RevisionRun run = result.run();
        String mark = run.status() == RevisionStatus.NOT_RUN ? "-" : result.hasErrors() ? "x" : "ok";
        out.printf("%-2s %s  %s  (%s%s)  %s%n", mark, run.revision().id(), run.revision().message(), run.status().label(),
                run.status() == RevisionStatus.NOT_RUN ? "" : ", " + run.durationMs() + " ms", report.relativeFile(run.revision()));
        for (Statement statement : run.statements()) {
            out.printf("     %s%s%n", oneLine(statement.sql()), statement.durationMs() > 0 ? "  [" + statement.durationMs() + " ms]" : "");
            for (ObservedLock lock : statement.locks()) {
                out.printf("       %-28s %-22s held %5d ms%s  %s%s%n", lock.table(), lock.mode().sqlName(), lock.heldMs(),
                        lock.busy() ? "  busy:" : "      ", lock.mode().impact(), lock.inferred() ? " (inferred)" : "");
            }
        }
        downgrade(out, run.downgrade(), run.revision().id());
        for (Finding finding : result.findings()) {
            finding(out, finding);
        }
    }

    private static void downgrade(PrintWriter out, DowngradeCheck check, String revision) {
        switch (check.outcome()) {
            case NOT_CHECKED -> { }
            case SKIPPED -> out.printf("     downgrade round trip skipped: %s%n", check.detail());
            case FAILED -> out.printf("     downgrade round trip failed at %s: %s%n", check.failedStep().words(),
                    check.command());
            default -> out.printf("     downgrade round trip %s: %s, then alembic upgrade %s again%n",
                    check.outcome().label(), check.command(), revision);
        }
    }

    private static void finding(PrintWriter out, Finding finding) {
        out.printf("   %s [%s] %s%n", finding.severity().label().toUpperCase(java.util.Locale.ROOT), finding.rule(),
                finding.message());
        if (finding.hint() != null) {
            out.printf("      fix: %s%n", finding.hint());
        }
    }

    private static String oneLine(String sql) {
        String flat = sql.replaceAll("\\s+", " ").strip();
        return flat.length() <= SQL_WIDTH ? flat : flat.substring(0, SQL_WIDTH - 3) + "...";
    }
}
