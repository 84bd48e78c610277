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

    public long count(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }
}
