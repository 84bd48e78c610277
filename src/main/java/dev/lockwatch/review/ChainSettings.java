package dev.lockwatch.review;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One problem, one finding: when no statement of the deploy ran with a lock_timeout (env.py, the role and the
 * revisions all leave it at 0), every missing-lock-timeout finding has the same cause and the same one-line fix.
 * They become one chain finding that counts the statements affected; each instance stays in its revision,
 * folded (the JSON report keeps it as a fact), and no longer counts on its own.
 */
final class ChainSettings {
    static final RuleId MISSING_LOCK_TIMEOUT = new RuleId("missing-lock-timeout");

    private ChainSettings() {
    }

    static VerifyReport fold(VerifyReport report) {
        List<Finding> instances = report.revisions().stream().flatMap(r -> r.findings().stream())
                .filter(ChainSettings::foldable).toList();
        if (instances.isEmpty() || lockTimeoutSetSomewhere(report)) {
            return report;
        }
        List<RevisionResult> revisions = report.revisions().stream().map(r -> new RevisionResult(r.run(),
                r.findings().stream().map(f -> foldable(f) ? f.foldedIntoChain() : f).toList())).toList();
        List<Finding> chain = new ArrayList<>(report.chainFindings());
        chain.add(chainFinding(report, instances));
        return new VerifyReport(report.project(), report.postgres(), report.baseline(), revisions, chain, report.data(),
                report.repositoryRoot(), report.git());
    }

    private static boolean foldable(Finding finding) {
        return finding.rule().equals(MISSING_LOCK_TIMEOUT) && !finding.suppressed() && !finding.folded();
    }

    /** A statement that ran with a non-zero lock_timeout: someone sets it, so each revision without it is its own case. */
    private static boolean lockTimeoutSetSomewhere(VerifyReport report) {
        return report.revisions().stream().flatMap(r -> r.run().statements().stream()).map(Statement::lockTimeoutMs)
                .anyMatch(t -> t != null && t != 0);
    }

    private static Finding chainFinding(VerifyReport report, List<Finding> instances) {
        long revisions = report.revisions().stream().filter(r -> r.findings().stream().anyMatch(ChainSettings::foldable)).count();
        Set<List<Object>> statements = new HashSet<>();
        Set<Optional<TableRef>> tables = new HashSet<>();
        for (RevisionResult result : report.revisions()) {
            result.findings().stream().filter(ChainSettings::foldable).forEach(f -> {
                statements.add(List.of(result.run().revision().id(), f.statement()));
                tables.add(f.table());
            });
        }
        Severity severity = instances.stream().map(Finding::severity).max(Comparator.naturalOrder()).orElseThrow();
        String message = "lock_timeout is 0 for the whole deploy (neither env.py, the role nor any revision sets it): "
                + statements.size() + " statement(s) in " + revisions + " revision(s) took a write-blocking lock on "
                + tables.size() + " busy table(s) with no timeout. Behind one long query or idle transaction such a "
                + "request waits without limit, and every query on the table queues behind it";
        String hint = "set it once for every revision in env.py, right after context.configure(...): "
                + "context.execute(\"SET lock_timeout = '3s'\"), and retry the deploy when it trips";
        Finding finding = new Finding(MISSING_LOCK_TIMEOUT, severity, Optional.empty(), message, Optional.of(hint));
        return envPy(report).map(finding::at).orElse(finding);
    }

    /** env.py of the project: the nearest one above a revision file (version folders live under script_location). */
    private static Optional<SourceLocation> envPy(VerifyReport report) {
        for (RevisionResult result : report.revisions()) {
            for (Path folder = result.run().revision().file().toAbsolutePath().getParent();
                 folder != null && folder.startsWith(report.project()); folder = folder.getParent()) {
                if (Files.isRegularFile(folder.resolve("env.py"))) {
                    return Optional.of(SourceLocation.fileOnly(folder.resolve("env.py")));
                }
            }
        }
        return Optional.empty();
    }
}
