package dev.lockwatch.report;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.model.RevisionResult.Verdict;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small text helpers the reporters share. */
final class Texts {
    /**
     * The module path of a Python class such as {@code sqlalchemy.exc.ProgrammingError}: the class alone says
     * enough. Two dots at least, so a schema-qualified table name is left alone.
     */
    /** The hold time scaled to production's size, as rules append it to a message (see ProductionEstimate). */
    private static final Pattern AT_PRODUCTION = Pattern.compile("about ([^,()]+?) at [^,()]+? rows in production");
    private static final Pattern QUOTED = Pattern.compile("'[^']*'");
    private static final Pattern PYTHON_MODULE = Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.){2,}(?=[A-Z])");

    private Texts() {
    }

    /** {@code sql} on one line, cut to {@code width} characters. */
    static String oneLine(String sql, int width) {
        String flat = sql == null ? "" : sql.replaceAll("\\s+", " ").strip();
        return cut(flat, width);
    }

    /** {@code text} cut to {@code width} characters, "..." marking the cut. */
    static String cut(String text, int width) {
        return text.length() <= width ? text : text.substring(0, Math.max(0, width - 3)) + "...";
    }

    /** {@code path:line}, or the path alone, relative to the repository (CI formats); empty without location. */
    static String where(VerifyReport report, Finding finding) {
        if (finding.location().isEmpty()) {
            return "";
        }
        SourceLocation location = finding.location().get();
        return withLine(report.repositoryFile(location.file()), location);
    }

    /** {@code path:line} relative to the project, as the human reports name files; empty without location. */
    static String place(VerifyReport report, Finding finding) {
        if (finding.location().isEmpty()) {
            return "";
        }
        SourceLocation location = finding.location().get();
        return withLine(report.relativeFile(location.file()), location);
    }

    /** {@code file:line}, or {@code file} when the line is unknown. */
    private static String withLine(String file, SourceLocation location) {
        return location.line().isEmpty() ? file : file + ":" + location.line().getAsInt();
    }

    /**
     * Why a finding matters, on one line: the lock it took and what that blocks (the rule and table say the
     * rest); without a lock, its message's first line up to the end of the first sentence, with Python module
     * paths dropped from class names.
     */
    static String why(Finding finding) {
        if (finding.lock().isPresent()) {
            LockMode lock = finding.lock().get();
            String blocks = lock.impact().split("[;(]")[0].strip();
            Matcher production = AT_PRODUCTION.matcher(finding.message());
            String held = production.find() ? " about " + production.group(1) + " in production"
                    : finding.heldMs().isEmpty() ? "" : " " + finding.heldMs().getAsLong() + " ms";
            return lock.sqlName() + held + ", " + blocks;
        }
        String first = finding.message().strip().lines().findFirst().orElse("");
        int end = first.indexOf(". ");
        String sentence = end > 0 ? first.substring(0, end) : first;
        String why = sentence.replaceFirst("^[^:]*\\bfailed: ", "failed: "); // the revision is named beside it
        return PYTHON_MODULE.matcher(why).replaceAll("").replaceAll("\\s+", " ").strip();
    }

    /**
     * {@code text} broken into lines of at most {@code width} characters at spaces (a longer word is cut),
     * keeping its own line breaks and dropping its blank lines, so a quoted error stays one block.
     */
    static List<String> wrap(String text, int width) {
        int room = Math.max(20, width);
        List<String> lines = new ArrayList<>();
        for (String paragraph : text.strip().split("\\R")) {
            String rest = paragraph.stripTrailing();
            if (rest.isBlank()) {
                continue;
            }
            while (rest.length() > room) {
                int space = rest.lastIndexOf(' ', room);
                int at = space > room / 3 ? space : room;
                lines.add(rest.substring(0, at).stripTrailing());
                rest = rest.substring(at).stripLeading();
            }
            if (!rest.isEmpty()) {
                lines.add(rest);
            }
        }
        return lines;
    }

    /** Findings of this severity that count, chain first, each with the revision it belongs to. */
    static List<Row> rows(VerifyReport report, Severity severity, boolean withChain) {
        List<Row> rows = new ArrayList<>();
        if (withChain) {
            report.chainFindings().stream().filter(f -> f.counts(severity)).forEach(f -> rows.add(new Row(null, f)));
        }
        for (RevisionResult result : report.revisions()) {
            result.findings().stream().filter(f -> f.counts(severity)).forEach(f -> rows.add(new Row(result, f)));
        }
        return rows;
    }

    /** A row of a table of findings: the revision (null for the chain) and the finding. */
    record Row(RevisionResult revision, Finding finding) {
        String revisionLabel() {
            return revision == null ? "chain" : revision.run().revision().id();
        }

        /** The finding points into the revision's own file. */
        boolean ownFile() {
            return revision != null && finding.location()
                    .filter(l -> l.file().equals(revision.run().revision().file().toAbsolutePath().normalize())).isPresent();
        }
    }

    /**
     * A revision the human reports show a block for by default: one the tables cannot tell about, as it did not
     * run through (the error quoted from alembic) or has suppressed findings (their reasons).
     */
    static boolean detailed(RevisionResult result) {
        return result.run().status() != RevisionStatus.APPLIED || result.suppressedCount() > 0;
    }

    /** The findings of a revision that its block shows by default: what the tables leave out. */
    static boolean blockShows(RevisionResult result, Finding finding) {
        return finding.suppressed() || result.run().status() == RevisionStatus.FAILED && finding.severity() != Severity.INFO;
    }

    /**
     * The fixes of the revisions' counted findings, in report order: each rule's fix once per shape (fixes that
     * differ only in the names they quote are alike), with the revisions it applies to.
     */
    static List<Fix> fixes(VerifyReport report) {
        Map<String, Fix> fixes = new LinkedHashMap<>();
        for (RevisionResult result : report.revisions()) {
            String id = result.run().revision().id();
            result.shown().stream().filter(f -> f.hint().isPresent() && (f.counts(Severity.ERROR) || f.counts(Severity.WARNING)))
                    .forEach(f -> fixes.computeIfAbsent(f.rule() + "\n" + QUOTED.matcher(f.hint().get()).replaceAll("''"),
                            k -> new Fix(f.rule(), f.hint().get(), new ArrayList<>(), new TreeSet<>())).add(id, f.hint().get()));
        }
        return List.copyOf(fixes.values());
    }

    /** A fix as the first finding gave it, the revisions whose findings give it, and how many wordings it has. */
    record Fix(RuleId rule, String hint, List<String> revisions, Set<String> wordings) {
        private Fix add(String revision, String wording) {
            if (!revisions.contains(revision)) {
                revisions.add(revision);
            }
            wordings.add(wording);
            return this;
        }

        /** The fix names objects of its first finding; the others name their own. */
        boolean varies() {
            return wordings.size() > 1;
        }
    }

    /** Revisions by verdict, in chain order. */
    static Map<Verdict, List<String>> byVerdict(List<RevisionResult> results) {
        Map<Verdict, List<String>> byVerdict = new EnumMap<>(Verdict.class);
        results.forEach(r -> byVerdict.computeIfAbsent(r.verdict(), v -> new ArrayList<>()).add(r.run().revision().id()));
        return byVerdict;
    }

    /** {@code a, b, c and 4 more} within about {@code width} characters. */
    static String list(List<String> items, int width) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            String next = (i == 0 ? "" : ", ") + items.get(i);
            int left = items.size() - i;
            if (i > 0 && text.length() + next.length() > width - 12 && left > 1) {
                return text + " and " + left + " more";
            }
            text.append(next);
        }
        return text.toString();
    }

    /** The tables some revision found busy: the busy tables that existed before it. */
    static Set<TableRef> busyTables(VerifyReport report) {
        Set<TableRef> busy = new TreeSet<>();
        report.revisions().forEach(r -> busy.addAll(r.run().busyTables()));
        return busy;
    }

    /** One line summing the verdict, e.g. {@code 2 error(s), 1 warning(s), 1 suppressed in 3 revision(s)}. */
    static String counts(VerifyReport report) {
        return report.count(Severity.ERROR) + " error(s), " + report.count(Severity.WARNING) + " warning(s)"
                + (report.suppressedCount() == 0 ? "" : ", " + report.suppressedCount() + " suppressed")
                + " in " + report.revisions().size() + " revision(s)";
    }
}
