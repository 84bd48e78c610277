package dev.lockwatch.report;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.VerifyReport;

/** Small text helpers the reporters share. */
final class Texts {
    private Texts() {
    }

    /** {@code sql} on one line, cut to {@code width} characters. */
    static String oneLine(String sql, int width) {
        String flat = sql == null ? "" : sql.replaceAll("\\s+", " ").strip();
        return flat.length() <= width ? flat : flat.substring(0, width - 3) + "...";
    }

    /** {@code path:line}, or the path alone, relative to the repository (CI formats); empty without location. */
    static String where(VerifyReport report, Finding finding) {
        if (finding.location() == null) {
            return "";
        }
        String file = report.repositoryFile(finding.location().file());
        return finding.location().line() == null ? file : file + ":" + finding.location().line();
    }

    /** One line summing the verdict, e.g. {@code 2 error(s), 1 warning(s), 1 suppressed in 3 revision(s)}. */
    static String counts(VerifyReport report) {
        return report.count(dev.lockwatch.model.Severity.ERROR) + " error(s), "
                + report.count(dev.lockwatch.model.Severity.WARNING) + " warning(s)"
                + (report.suppressedCount() == 0 ? "" : ", " + report.suppressedCount() + " suppressed")
                + " in " + report.revisions().size() + " revision(s)";
    }
}
