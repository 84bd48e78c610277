package dev.lockwatch.model;

import java.util.List;

/** A revision's run together with the findings the rules made of it. */
public record RevisionResult(RevisionRun run, List<Finding> findings) {

    public RevisionResult {
        findings = List.copyOf(findings);
    }

    public boolean hasErrors() {
        return findings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
    }
}
