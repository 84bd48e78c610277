package dev.lockwatch.model;

import java.util.List;

/** A revision's run together with the findings the rules made of it. */
public record RevisionResult(RevisionRun run, List<Finding> findings) {

    /** What a report calls the revision; derived from its status and counted findings, so the two never disagree. */
    public enum Verdict {
        OK("ok"), WARNINGS("warnings"), ERROR("error"), FAILED("failed"), NOT_RUN("not run");

        private final String label;

        Verdict(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

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

    /** The findings a reader sees for this revision: all but those reported once for the chain. */
    public List<Finding> shown() {
        return findings.stream().filter(f -> !f.folded()).toList();
    }

    public Verdict verdict() {
        return switch (run.status()) {
            case FAILED -> Verdict.FAILED;
            case NOT_RUN -> Verdict.NOT_RUN;
            case APPLIED -> hasErrors() ? Verdict.ERROR : count(Severity.WARNING) > 0 ? Verdict.WARNINGS : Verdict.OK;
        };
    }
}
