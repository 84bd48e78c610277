package dev.lockwatch.report;

import dev.lockwatch.model.BaselineData;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockWait;
import dev.lockwatch.model.TableTraffic;
import dev.lockwatch.model.TrafficObservation;
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
import java.util.TreeMap;
import java.util.Locale;

/**
 * The human report: per revision, what it locked, for how long, what that does to traffic, and the findings
 * with the file and line they point at. Colour only when asked for (a terminal, NO_COLOR unset).
 */
public final class TextReporter implements Reporter {
    private static final int SQL_WIDTH = 100;
    private final Style style;

    public TextReporter() {
        this(false);
    }

    public TextReporter(boolean colour) {
        this.style = new Style(colour);
    }

    @Override
    public void write(VerifyReport report, Writer writer) throws IOException {
        PrintWriter out = new PrintWriter(writer);
        if (report.revisions().isEmpty()) {
            out.printf("lockwatch %s: no revision to verify above %s%s%n", Version.current(), report.baseline(),
                    report.git() == null ? "" : " (no revision file added since " + report.git().ref() + ")");
        } else {
            out.printf("lockwatch %s: %d revision(s) above %s on %s PostgreSQL %s (capture %s)%n", Version.current(),
                    report.revisions().size(), report.baseline(), report.postgres().provider(),
                    report.postgres().version(), report.postgres().captureMode());
            if (report.postgres().bestEffort()) {
                out.println("capture is best-effort: the role is not a superuser, so no event triggers pause the migration;"
                        + " locks were seen by polling pg_locks and a lock held only briefly may be missing");
            }
            if (report.data() != null) {
                data(out, report.data());
            }
        }
        for (Finding finding : report.chainFindings()) {
            out.println();
            finding(out, report, finding);
        }
        for (RevisionResult result : report.revisions()) {
            out.println();
            revision(out, report, result);
        }
        out.println();
        out.printf("%s: %d revision(s): %d applied, %d failed, %d not run; %d error(s), %d warning(s)%s%n",
                report.hasErrors() ? style.red("FAILED") : style.green("PASSED"), report.revisions().size(),
                report.count(RevisionStatus.APPLIED), report.count(RevisionStatus.FAILED),
                report.count(RevisionStatus.NOT_RUN), report.count(Severity.ERROR), report.count(Severity.WARNING),
                report.suppressedCount() == 0 ? "" : ", " + report.suppressedCount() + " suppressed");
        out.flush();
    }

    private void revision(PrintWriter out, VerifyReport report, RevisionResult result) {
        RevisionRun run = result.run();
        String mark = run.status() == RevisionStatus.NOT_RUN ? "- " : result.hasErrors() ? style.red("x ") : style.green("ok");
        out.printf("%s %s  %s  (%s%s)  %s%n", mark, style.bold(run.revision().id()), run.revision().message(),
                run.status().label(), run.status() == RevisionStatus.NOT_RUN ? "" : ", " + run.durationMs() + " ms",
                report.relativeFile(run.revision()));
        for (Statement statement : run.statements()) {
            out.printf("     %s%s%s%n", Texts.oneLine(statement.sql(), SQL_WIDTH), statement.durationMs() > 0 ? "  [" + statement.durationMs() + " ms]" : "",
                    statement.source() == null || statement.source().line() == null ? "" : style.dim("  line " + statement.source().line()));
            for (ObservedLock lock : statement.locks()) {
                out.printf("       %-28s %-22s held %5d ms%s  %s%s%s%n", lock.table(), lock.mode().sqlName(), lock.heldMs(),
                        lock.busy() ? "  busy:" : "      ", lock.mode().impact(), lock.inferred() ? " (inferred)" : "",
                        lock.estimate() == null ? "" : "; " + lock.estimate().describe());
            }
        }
        if (run.traffic() != null) {
            traffic(out, run.traffic());
        }
        downgrade(out, run.downgrade(), run.revision().id());
        for (Finding finding : result.findings()) {
            finding(out, report, finding);
        }
    }

    private static void data(PrintWriter out, BaselineData data) {
        if (data.restore() != null) {
            List<String> versions = data.restore().alembicVersion();
            out.printf("baseline restored from %s (%s) at %s%n", data.restore().file(), data.restore().format(),
                    versions.isEmpty() ? "base" : String.join(", ", versions));
        }
        if (data.seed() != null) {
            out.printf("seeded %d synthetic rows into each of %d table(s)%s%n", data.seed().rowsPerTable(),
                    data.seed().filled().size(), data.seed().skipped().isEmpty() ? ""
                            : "; skipped " + new TreeMap<>(data.seed().skipped()));
        }
        if (data.tableStats() != null) {
            out.printf("table stats %s: %d busy table(s) of %d (--busy-min-writes %d, --busy-min-rows %d): %s%n",
                    data.tableStats().file(), data.tableStats().busy().size(), data.tableStats().tables(),
                    data.tableStats().busyMinWrites(), data.tableStats().busyMinRows(), data.tableStats().busy());
        }
    }

    private static void traffic(PrintWriter out, TrafficObservation traffic) {
        for (TableTraffic table : traffic.tables()) {
            out.printf("     traffic %-28s %5d requests, %d slower than %d ms, longest %d ms%s%n", table.table(),
                    table.requests(), table.stalled(), traffic.stallThresholdMs(), table.longestStallMs(),
                    table.waitedOn().isEmpty() ? "" : ", waiting on: " + Texts.oneLine(String.join(" | ", table.waitedOn()), SQL_WIDTH));
        }
        for (LockWait wait : traffic.lockQueue()) {
            if (!wait.waiter().equals("traffic")) {
                out.printf("     lock queue: %s waited %d ms for %s on %s behind %s: %s%n", wait.waiter(), wait.waitedMs(),
                        wait.mode().sqlName(), wait.table(), wait.blocker(), Texts.oneLine(String.valueOf(wait.blockerQuery()), SQL_WIDTH));
            }
        }
    }

    private static void downgrade(PrintWriter out, DowngradeCheck check, String revision) {
        switch (check.outcome()) {
            case NOT_CHECKED -> { }
            case SKIPPED -> out.printf("     downgrade round trip skipped: %s%n", check.detail());
            case FAILED -> out.printf("     downgrade round trip failed at %s: %s%s%n", check.failedStep().words(),
                    check.command(), check.restored() == DowngradeCheck.Restore.NONE ? ""
                            : " (database put back by " + check.restored().label() + ")");
            case ONE_WAY -> out.printf("     downgrade round trip: %s raises on purpose, the revision is one-way%n",
                    check.command());
            default -> out.printf("     downgrade round trip %s: %s, then alembic upgrade %s again%n",
                    check.outcome().label(), check.command(), revision);
        }
    }

    private void finding(PrintWriter out, VerifyReport report, Finding finding) {
        String label = finding.severity().label().toUpperCase(Locale.ROOT);
        String where = finding.location() == null ? "" : "  " + style.dim(report.relativeFile(finding.location().file())
                + (finding.location().line() == null ? "" : ":" + finding.location().line()));
        if (finding.suppressed()) {
            out.printf("   %s %s [%s] %s%s%n", style.dim("SUPPRESSED"), label, finding.rule(), finding.message(), where);
            out.printf("      reason: %s (%s)%n", finding.suppression().reason(), finding.suppression().origin());
            return;
        }
        String coloured = switch (finding.severity()) {
            case ERROR -> style.red(label);
            case WARNING -> style.yellow(label);
            case INFO -> label;
        };
        out.printf("   %s [%s] %s%s%n", coloured, finding.rule(), finding.message(), where);
        if (finding.hint() != null) {
            out.printf("      fix: %s%n", finding.hint());
        }
    }

    /** ANSI SGR colours, or none. */
    private record Style(boolean on) {
        String red(String s) {
            return sgr("31", s);
        }

        String green(String s) {
            return sgr("32", s);
        }

        String yellow(String s) {
            return sgr("33", s);
        }

        String bold(String s) {
            return sgr("1", s);
        }

        String dim(String s) {
            return sgr("2", s);
        }

        private String sgr(String code, String s) {
            return on ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
        }
    }
}
