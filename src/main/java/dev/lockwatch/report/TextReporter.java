package dev.lockwatch.report;

import dev.lockwatch.model.BaselineData;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockWait;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionResult.Verdict;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.Suppression;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableTraffic;
import dev.lockwatch.model.TrafficObservation;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * The human report, for a reviewer with thirty seconds: the verdict and a table of what fails first, then
 * per revision only what the table does not say (warnings, failures, revisions not run), each fix once, and
 * the verdict and the table again at the end. {@code --verbose} adds every revision with every lock of every
 * statement. Lines wrap at the layout's width; colour only when asked for (a terminal, NO_COLOR unset).
 */
public final class TextReporter implements Reporter {
    private static final String ROW = "  ";
    private static final String BODY = "      ";
    /** Narrower than this, the table's why goes on a line of its own. */
    private static final int WHY_MIN = 24;
    /** The why's width worth shortening file names for: a lock, its hold time and what it blocks. */
    private static final int WHY_WANTED = 45;
    /** Lines a table row's why may take before it is cut. */
    private static final int WHY_LINES = 2;
    private final Layout layout;
    private final Style style;

    public TextReporter() {
        this(Layout.plain());
    }

    public TextReporter(Layout layout) {
        this.layout = layout;
        this.style = new Style(layout.colour());
    }

    @Override
    public void write(VerifyReport report, Writer writer) throws IOException {
        PrintWriter out = new PrintWriter(writer);
        header(out, report);
        List<Texts.Row> failures = Texts.rows(report, Severity.ERROR, true);
        table(out, report, "What fails", failures);
        List<Finding> chain = report.chainFindings().stream().filter(f -> layout.verbose() || f.severity() != Severity.INFO).toList();
        if (!chain.isEmpty()) {
            out.printf("%nWhole chain:%n");
            chain.forEach(f -> finding(out, report, f, null));
        }
        if (!layout.verbose()) {
            table(out, report, "Warnings", Texts.rows(report, Severity.WARNING, false));
        }
        revisions(out, report);
        if (!layout.verbose()) {
            fixes(out, report);
        }
        out.println();
        wrapped(out, "", verdictLine(report));
        table(out, report, "What fails", failures);
        out.flush();
    }

    private void header(PrintWriter out, VerifyReport report) {
        if (report.revisions().isEmpty()) {
            out.printf("lockwatch %s: no revision to verify above %s%s%n", Version.current(), report.baseline(),
                    report.git() == null ? "" : " (no revision file added since " + report.git().ref() + ")");
            return;
        }
        wrapped(out, "", String.format("lockwatch %s: %s: %s above %s", Version.current(), verdictWord(report),
                Texts.counts(report), report.baseline()));
        Set<TableRef> busy = Texts.busyTables(report);
        String on = report.postgres().provider() + " PostgreSQL " + report.postgres().version() + " (capture "
                + report.postgres().captureMode() + "); ";
        wrapped(out, "", on + "busy tables (" + busy.size() + "): " + (busy.isEmpty() ? "none"
                : Texts.list(busy.stream().map(TableRef::toString).toList(), layout.width() - on.length() - 20)));
        if (report.postgres().bestEffort()) {
            wrapped(out, "", "capture is best-effort: the role is not a superuser, so no event triggers pause the "
                    + "migration; locks were seen by polling pg_locks and a lock held only briefly may be missing");
        }
        if (report.data() != null) {
            data(out, report.data());
        }
    }

    private String verdictWord(VerifyReport report) {
        return report.hasErrors() ? style.red("FAILED") : style.green("PASSED");
    }

    private String verdictLine(VerifyReport report) {
        long infos = report.count(Severity.INFO);
        return String.format("%s: %d revision(s): %d applied, %d failed, %d not run; %d error(s), %d warning(s)%s%s",
                verdictWord(report), report.revisions().size(), report.count(RevisionStatus.APPLIED),
                report.count(RevisionStatus.FAILED), report.count(RevisionStatus.NOT_RUN), report.count(Severity.ERROR),
                report.count(Severity.WARNING), report.suppressedCount() == 0 ? "" : ", " + report.suppressedCount() + " suppressed",
                infos == 0 ? "" : ", " + infos + " info");
    }

    /**
     * A table of findings, one row each: revision, rule, table, why, file:line. One line a row when the why gets
     * room enough (with file names alone if need be); else the why goes on a second line.
     */
    private void table(PrintWriter out, VerifyReport report, String title, List<Texts.Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        long revisions = rows.stream().map(Texts.Row::revisionLabel).distinct().count();
        out.printf("%n%s: %d %s in %s%n", title, rows.size(), rows.get(0).finding().severity() == Severity.ERROR ? "error(s)"
                : "warning(s)", revisions == 1 ? rows.get(0).revisionLabel() : revisions + " revision(s)");
        int rev = Math.max("revision".length(), rows.stream().mapToInt(f -> f.revisionLabel().length()).max().orElse(0));
        int rule = rows.stream().mapToInt(f -> f.finding().rule().name().length()).max().orElse(0);
        int table = Math.max("table".length(), rows.stream().mapToInt(f -> table(f.finding()).length()).max().orElse(0));
        int prefix = ROW.length() + rev + 2 + rule + 2 + table + 2;
        Where names = Where.FULL;
        while (names != Where.LINE && prefix + WHY_WANTED + 2 + whereWidth(report, rows, names) > layout.width()) {
            names = Where.values()[names.ordinal() + 1];
        }
        Where shortNames = names;
        int where = whereWidth(report, rows, shortNames);
        int why = Math.min(layout.width() - prefix - 2 - where,
                Math.max("why".length(), rows.stream().mapToInt(r -> Texts.why(r.finding()).length()).max().orElse(0)));
        boolean oneLine = why >= WHY_MIN;
        String cells = ROW + "%-" + rev + "s  %-" + rule + "s  %-" + table + "s  ";
        if (oneLine) {
            fitted(out, style.dim(String.format(cells + "%-" + why + "s  %s", "revision", "rule", "table", "why", "where").stripTrailing()));
        } else {
            fitted(out, style.dim(String.format(cells + "%s", "revision", "rule", "table", "where")));
        }
        for (Texts.Row row : rows) {
            Finding f = row.finding();
            String start = String.format(cells, row.revisionLabel(), f.rule().name(), table(f));
            String reason = Texts.why(f);
            if (oneLine) {
                List<String> lines = whyLines(reason, why);
                out.println((start + String.format("%-" + why + "s  %s", lines.get(0), whereOf(report, row, shortNames))).stripTrailing());
                lines.stream().skip(1).forEach(line -> out.println(" ".repeat(start.length()) + line));
            } else {
                fitted(out, (start + whereOf(report, row, Where.FULL)).stripTrailing());
                String indent = " ".repeat(ROW.length() + rev + 2);
                out.println(indent + Texts.cut(reason, layout.width() - indent.length()));
            }
        }
    }

    /**
     * A why too long for its column goes on at most {@value #WHY_LINES} lines under itself, cut after that: the lock,
     * its hold time and what it blocks stay whole ("blocks r..." said nothing).
     */
    private static List<String> whyLines(String reason, int width) {
        List<String> lines = Texts.wrap(reason, width);
        if (lines.isEmpty()) {
            return List.of("");
        }
        if (lines.size() <= WHY_LINES) {
            return lines;
        }
        String rest = String.join(" ", lines.subList(WHY_LINES - 1, lines.size()));
        List<String> kept = new java.util.ArrayList<>(lines.subList(0, WHY_LINES - 1));
        kept.add(Texts.cut(rest, width));
        return kept;
    }

    /** How a table names a finding's file: as much as leaves the why room. */
    private enum Where { FULL, FILE_NAME, LINE }

    private static int whereWidth(VerifyReport report, List<Texts.Row> rows, Where names) {
        return Math.max("where".length(), rows.stream().mapToInt(r -> whereOf(report, r, names).length()).max().orElse(0));
    }

    /**
     * {@code file:line} relative to the project; or the file's name alone; or, in the revision's own file (which
     * the revision column names), {@code line N}.
     */
    private static String whereOf(VerifyReport report, Texts.Row row, Where names) {
        String place = Texts.place(report, row.finding());
        String name = place.substring(place.lastIndexOf('/') + 1);
        return switch (names) {
            case FULL -> place;
            case FILE_NAME -> name;
            case LINE -> !row.ownFile() ? name : row.finding().location().map(SourceLocation::line)
                    .filter(OptionalInt::isPresent).map(line -> "line " + line.getAsInt()).orElse("-");
        };
    }

    private static String table(Finding finding) {
        return finding.table().map(TableRef::toString).orElse("-");
    }

    /**
     * Every revision with --verbose; by default a block for those the tables cannot tell about (failed, not run,
     * suppressions), the others summed up by label on one line each.
     */
    private void revisions(PrintWriter out, VerifyReport report) {
        if (report.revisions().isEmpty()) {
            return;
        }
        out.printf("%nRevisions:%n");
        List<RevisionResult> summed = new ArrayList<>();
        for (RevisionResult result : report.revisions()) {
            if (layout.verbose() || Texts.detailed(result) || stalled(result.run().traffic())) {
                revision(out, report, result);
            } else {
                summed.add(result);
            }
        }
        Texts.byVerdict(summed).forEach((verdict, ids) -> {
            String lead = ROW + label(verdict) + "  " + ids.size() + (verdict == Verdict.OK ? ": " : ", in the tables above: ");
            out.println(lead + Texts.list(ids, layout.width() - lead.length()));
        });
    }

    private void revision(PrintWriter out, VerifyReport report, RevisionResult result) {
        RevisionRun run = result.run();
        List<String> lines = Texts.wrap(String.format("%s  %s  %s  (%s)  %s", label(result.verdict()),
                style.bold(run.revision().id()), run.revision().message(), run.status() == RevisionStatus.NOT_RUN ? "not run"
                        : run.status().label() + " in " + run.durationMs() + " ms", report.relativeFile(run.revision())),
                layout.width() - BODY.length());
        out.println(ROW + lines.get(0));
        lines.subList(1, lines.size()).forEach(line -> out.println(BODY + line));
        if (layout.verbose()) {
            statements(out, run);
        }
        if (run.traffic() != null && (layout.verbose() || stalled(run.traffic()))) {
            traffic(out, run.traffic());
        }
        if (layout.verbose() || run.downgrade().outcome() != DowngradeCheck.Outcome.PASSED) {
            downgrade(out, run.downgrade(), run.revision().id());
        }
        for (Finding finding : result.shown()) {
            if (layout.verbose() || Texts.blockShows(result, finding)) {
                finding(out, report, finding, result);
            }
        }
    }

    private String label(Verdict verdict) {
        String padded = String.format("%-8s", verdict.label());
        return switch (verdict) {
            case ERROR, FAILED -> style.red(padded);
            case WARNINGS -> style.yellow(padded);
            case OK -> style.green(padded);
            case NOT_RUN -> padded;
        };
    }

    private void statements(PrintWriter out, RevisionRun run) {
        int sql = Math.max(40, layout.width() - BODY.length() - 20);
        for (Statement statement : run.statements()) {
            out.printf("%s%s%s%s%n", BODY, Texts.oneLine(statement.sql(), sql),
                    statement.durationMs() > 0 ? "  [" + statement.durationMs() + " ms]" : "",
                    statement.source() == null || statement.source().line().isEmpty() ? ""
                            : style.dim("  line " + statement.source().line().getAsInt()));
            for (ObservedLock lock : statement.locks()) {
                wrapped(out, BODY + "  ", String.format("%-28s %-22s held %5d ms%s  %s%s%s", lock.table(), lock.mode().sqlName(),
                        lock.heldMs(), lock.busy() ? "  busy:" : "      ", lock.mode().impact(),
                        lock.inferred() ? " (inferred)" : lock.heldBefore() ? " (its transaction had locked the table already)" : "",
                        lock.estimate() == null ? "" : "; " + lock.estimate().describe()));
            }
        }
    }

    private void data(PrintWriter out, BaselineData data) {
        if (data.restore() != null) {
            List<String> versions = data.restore().alembicVersion();
            wrapped(out, "", String.format("baseline restored from %s (%s) at %s", data.restore().file(), data.restore().format(),
                    versions.isEmpty() ? "base" : String.join(", ", versions)));
        }
        if (data.seed() != null) {
            wrapped(out, "", String.format("seeded %d synthetic rows into each of %d table(s)%s", data.seed().rowsPerTable(),
                    data.seed().filled().size(), data.seed().skipped().isEmpty() ? ""
                            : "; skipped " + new TreeMap<>(data.seed().skipped())));
        }
        if (data.tableStats() != null) {
            wrapped(out, "", String.format("table stats %s: %d busy table(s) of %d (--busy-min-writes %d, --busy-min-rows %d): %s",
                    data.tableStats().file(), data.tableStats().busy().size(), data.tableStats().tables(),
                    data.tableStats().busyMinWrites(), data.tableStats().busyMinRows(), data.tableStats().busy()));
        }
    }

    private static boolean stalled(TrafficObservation traffic) {
        return traffic != null && traffic.tables().stream().anyMatch(t -> t.stalled() > 0);
    }

    private void traffic(PrintWriter out, TrafficObservation traffic) {
        for (TableTraffic table : traffic.tables()) {
            wrapped(out, BODY, String.format("traffic %s: %d requests, %d slower than %d ms, longest %d ms%s", table.table(),
                    table.requests(), table.stalled(), traffic.stallThresholdMs(), table.longestStallMs(),
                    table.waitedOn().isEmpty() ? "" : ", waiting on: " + Texts.oneLine(String.join(" | ", table.waitedOn()), layout.width())));
        }
        for (LockWait wait : traffic.lockQueue()) {
            if (!wait.waiter().equals("traffic")) {
                wrapped(out, BODY, String.format("lock queue: %s waited %d ms for %s on %s behind %s: %s", wait.waiter(),
                        wait.waitedMs(), wait.mode().sqlName(), wait.table(), wait.blocker(),
                        Texts.oneLine(String.valueOf(wait.blockerQuery()), layout.width())));
            }
        }
    }

    private void downgrade(PrintWriter out, DowngradeCheck check, String revision) {
        switch (check.outcome()) {
            case NOT_CHECKED -> { }
            case SKIPPED -> wrapped(out, BODY, "downgrade round trip skipped: " + check.detail());
            case FAILED -> wrapped(out, BODY, "downgrade round trip failed at " + check.failedStep().words() + ": "
                    + check.command() + (check.restored() == DowngradeCheck.Restore.NONE ? ""
                            : " (database put back by " + check.restored().label() + ")"));
            case ONE_WAY -> wrapped(out, BODY, "downgrade round trip: " + check.command()
                    + " raises on purpose, the revision is one-way");
            default -> wrapped(out, BODY, "downgrade round trip " + check.outcome().label() + ": " + check.command()
                    + ", then alembic upgrade " + revision + " again");
        }
    }

    /**
     * One block per finding: severity, rule, table and where on the first line, then the message (an error quoted
     * from alembic included, its blank lines dropped) wrapped under it, then, with --verbose, the fix.
     *
     * @param in the revision the finding belongs to, or null for the chain: a line in the revision's own file is
     *           just "line N"
     */
    private void finding(PrintWriter out, VerifyReport report, Finding finding, RevisionResult in) {
        String label = finding.severity().label().toUpperCase(Locale.ROOT);
        String coloured = finding.suppressed() ? style.dim("SUPPRESSED " + label) : switch (finding.severity()) {
            case ERROR -> style.red(label);
            case WARNING -> style.yellow(label);
            case INFO -> label;
        };
        String where = finding.location().map(location -> in != null && location.line().isPresent()
                && location.file().equals(in.run().revision().file().toAbsolutePath().normalize())
                ? "line " + location.line().getAsInt() : Texts.place(report, finding)).orElse("");
        out.printf("%s  %s [%s]%s%s%n", ROW, coloured, finding.rule().name(), finding.table().map(t -> " " + t).orElse(""),
                where.isEmpty() ? "" : "  " + style.dim(where));
        wrapped(out, BODY, finding.message());
        if (finding.suppression().isPresent()) {
            Suppression suppression = finding.suppression().get();
            wrapped(out, BODY, "reason: " + suppression.reason() + " (" + suppression.origin() + ")");
        } else if (finding.hint().isPresent() && (layout.verbose() || in == null)) {
            wrapped(out, BODY, "fix: " + finding.hint().get());
        }
    }

    /** Each fix once, with the revisions it applies to. */
    private void fixes(PrintWriter out, VerifyReport report) {
        List<Texts.Fix> fixes = Texts.fixes(report);
        if (fixes.isEmpty()) {
            return;
        }
        out.printf("%nHow to fix:%n");
        for (Texts.Fix fix : fixes) {
            List<String> lines = Texts.wrap(fix.rule().name() + " (" + Texts.list(fix.revisions(), layout.width() / 3) + "): "
                    + fix.hint() + (fix.varies() ? " (for " + fix.revisions().get(0) + "; the others alike)" : ""),
                    layout.width() - BODY.length());
            out.println(ROW + lines.get(0));
            lines.subList(1, lines.size()).forEach(line -> out.println(BODY + line));
        }
    }

    /** A table line as it is, or wrapped when the layout is too narrow for its columns. */
    private void fitted(PrintWriter out, String line) {
        if (line.length() <= layout.width()) {
            out.println(line);
        } else {
            List<String> lines = Texts.wrap(line.strip(), layout.width() - BODY.length());
            out.println(ROW + lines.get(0));
            lines.subList(1, lines.size()).forEach(rest -> out.println(BODY + rest));
        }
    }

    /** {@code text} wrapped at the layout's width, every line indented by {@code indent}. */
    private void wrapped(PrintWriter out, String indent, String text) {
        for (String line : Texts.wrap(text, layout.width() - indent.length())) {
            out.println(indent + line);
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
