package dev.lockwatch.model;

import java.util.List;

/**
 * Everything one {@code lockwatch verify} found, in chain order.
 *
 * @param project the folder of the alembic.ini; revision files are reported relative to it
 * @param chainFindings findings about the chain as a whole rather than one revision
 * @param data          how the baseline was made production-like (restore, seed, table stats)
 */
public record VerifyReport(java.nio.file.Path project, ServerInfo postgres, String baseline, List<RevisionResult> revisions,
                           List<Finding> chainFindings, BaselineData data) {

    public VerifyReport {
        revisions = List.copyOf(revisions);
        chainFindings = List.copyOf(chainFindings);
    }

    /** A revision file's path relative to the project folder. */
    public String relativeFile(Revision revision) {
        return project.relativize(revision.file().toAbsolutePath().normalize()).toString();
    }

    public boolean hasErrors() {
        return revisions.stream().anyMatch(RevisionResult::hasErrors)
                || chainFindings.stream().anyMatch(f -> f.severity() == Severity.ERROR);
    }

    public long count(Severity severity) {
        return revisions.stream().flatMap(r -> r.findings().stream()).filter(f -> f.severity() == severity).count()
                + chainFindings.stream().filter(f -> f.severity() == severity).count();
    }

    public long count(RevisionStatus status) {
        return revisions.stream().filter(r -> r.run().status() == status).count();
    }
}
