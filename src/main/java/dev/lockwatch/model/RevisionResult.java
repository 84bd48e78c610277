package dev.lockwatch.model;

import java.util.List;

/** A revision's run together with the findings the rules made of it. */
public record RevisionResult(RevisionRun run, List<Finding> findings) {

    public RevisionResult {
        findings = List.copyOf(findings);
    }

    public boolean hasErrors() {
        return count(Severity.ERROR) > 0;
    }

    /** Unsuppressed findings of this severity: the ones that decide the verdict. */
    public long count(Severity severity) {
        return findings.stream().filter(f -> f.counts(severity)).count();
    }

    public long suppressedCount() {
        return findings.stream().filter(Finding::suppressed).count();
    }
}
