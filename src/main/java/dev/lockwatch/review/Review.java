package dev.lockwatch.review;

import dev.lockwatch.config.Allowance;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Suppression;
import dev.lockwatch.model.SuppressionComment;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.rules.FindingKinds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What happens to findings after the rules: each is located in its revision file, then suppressed when a
 * suppression comment or a config allowance with a reason covers it. Suppressed findings stay in the report;
 * they no longer count. Suppressions without a reason, unreadable ones and unused ones become findings. Last, a
 * setting the whole chain lacks becomes one chain finding ({@link ChainSettings}).
 */
public final class Review {
    private static final Set<RuleId> UNSUPPRESSIBLE = Set.of(FindingKinds.INVALID_SUPPRESSION.id(),
            FindingKinds.SUPPRESSION_WITHOUT_REASON.id(), FindingKinds.UNUSED_SUPPRESSION.id());

    private final FindingKinds kinds;
    private final List<Allowance> allowances;
    private final Map<Path, String> revisionByFile = new java.util.HashMap<>();
    private final SourceFiles files = new SourceFiles();
    private Path project;
    private final Map<SuppressionComment, Boolean> usedComments = new IdentityHashMap<>();
    private final Map<Allowance, Boolean> usedAllowances = new IdentityHashMap<>();

    /**
     * @param revisions every revision of the chain, verified or not: chain findings (an edited revision) name
     *                  files of the baseline
     */
    public Review(FindingKinds kinds, List<Allowance> allowances, Collection<Revision> revisions) {
        this.kinds = kinds;
        this.allowances = List.copyOf(allowances);
        for (Revision revision : revisions) {
            files.register(revision.file());
            revisionByFile.put(revision.file().toAbsolutePath().normalize(), revision.id());
        }
    }

    /**
     * Reads the suppression comments of the revisions to verify before {@link #apply} asks for them: work that can be
     * done while alembic runs, rather than after it.
     */
    public void readAhead(List<Revision> verified) {
        verified.forEach(revision -> files.comments(revision.file()));
    }

    public VerifyReport apply(VerifyReport report) {
        project = report.project();
        FindingLocator locator = new FindingLocator(files);
        List<Finding> chain = new ArrayList<>(report.chainFindings().stream()
                .map(f -> f.location().map(files::canonical).map(f::at).orElse(f)).map(this::suppress).toList());
        List<RevisionResult> revisions = new ArrayList<>();
        for (RevisionResult result : report.revisions()) {
            RevisionResult located = locator.locate(result);
            List<Finding> findings = new ArrayList<>(located.findings().stream().map(this::suppress).toList());
            findings.addAll(commentFindings(located));
            revisions.add(new RevisionResult(located.run(), findings));
        }
        chain.addAll(unusedAllowances(report));
        return ChainSettings.fold(new VerifyReport(report.project(), report.postgres(), report.baseline(), revisions,
                chain, report.data(), report.repositoryRoot(), report.git()));
    }

    private Finding suppress(Finding finding) {
        if (UNSUPPRESSIBLE.contains(finding.rule()) || finding.location().isEmpty()) {
            return finding;
        }
        SourceLocation location = finding.location().get();
        for (SuppressionComment comment : files.comments(location.file())) {
            if (comment.valid() && comment.covers(finding.rule(), location.line())) {
                usedComments.put(comment, true);
                String origin = relativeOrigin(comment.location());
                return finding.suppressedBy(new Suppression(comment.reason(), origin, true));
            }
        }
        String revision = revisionByFile.get(location.file());
        for (Allowance allowance : allowances) {
            if (allowance.rules().contains(finding.rule().name())
                    && (allowance.table() == null || finding.table().filter(allowance.table()::equals).isPresent())
                    && (allowance.revision() == null || allowance.revision().equals(revision))) {
                usedAllowances.put(allowance, true);
                return finding.suppressedBy(new Suppression(allowance.reason(), allowance.origin(), false));
            }
        }
        return finding;
    }

    /** Problems with the revision's own suppression comments; unused ones only when the revision ran through. */
    private List<Finding> commentFindings(RevisionResult result) {
        List<SuppressionComment> comments = files.comments(result.run().revision().file());
        List<Finding> findings = new ArrayList<>(FindingKinds.INVALID_SUPPRESSION.check(comments));
        findings.addAll(FindingKinds.SUPPRESSION_WITHOUT_REASON.check(comments));
        if (result.run().status() == RevisionStatus.APPLIED) {
            for (SuppressionComment comment : comments) {
                if (comment.valid() && !usedComments.containsKey(comment)) {
                    findings.add(FindingKinds.UNUSED_SUPPRESSION.finding(comment.location(), comment.rules(),
                            unknown(comment.rules())));
                }
            }
        }
        return findings;
    }

    /**
     * An allowance naming a revision that was verified and ran through, yet matched nothing. Table-wide
     * allowances are not reported: most branches never touch the table.
     */
    private List<Finding> unusedAllowances(VerifyReport report) {
        Set<String> ranThrough = new HashSet<>();
        report.revisions().stream().filter(r -> r.run().status() == RevisionStatus.APPLIED)
                .forEach(r -> ranThrough.add(r.run().revision().id()));
        return allowances.stream()
                .filter(a -> a.revision() != null && ranThrough.contains(a.revision()) && !usedAllowances.containsKey(a))
                .map(a -> FindingKinds.UNUSED_SUPPRESSION.finding(SourceLocation.fileOnly(a.file()), a.rules(), unknown(a.rules())))
                .toList();
    }

    private List<String> unknown(List<String> rules) {
        return rules.stream().filter(r -> kinds.find(r).isEmpty()).toList();
    }

    private String relativeOrigin(SourceLocation location) {
        return project.relativize(location.file()) + ":" + location.line().getAsInt();
    }
}
