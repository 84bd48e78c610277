package dev.lockwatch.model;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Everything one {@code lockwatch verify} found, in chain order.
 *
 * @param project        the folder of the alembic.ini; revision files are reported relative to it
 * @param chainFindings  findings about the chain as a whole rather than one revision
 * @param data           how the baseline was made production-like (restore, seed, table stats)
 * @param repositoryRoot the git work tree holding the project, or null; CI formats (SARIF, GitHub) name files
 *                       relative to it
 * @param git            how {@code --git-base} chose the revisions, or null without it
 */
public record VerifyReport(Path project, ServerInfo postgres, String baseline, List<RevisionResult> revisions,
                           List<Finding> chainFindings, BaselineData data, Path repositoryRoot, GitSelection git) {

    public VerifyReport {
        revisions = List.copyOf(revisions);
        chainFindings = List.copyOf(chainFindings);
    }

    public VerifyReport(Path project, ServerInfo postgres, String baseline, List<RevisionResult> revisions,
                        List<Finding> chainFindings) {
        this(project, postgres, baseline, revisions, chainFindings, null, null, null);
    }

    /** A revision file's path relative to the project folder. */
    public String relativeFile(Revision revision) {
        return relativeFile(revision.file());
    }

    public String relativeFile(Path file) {
        return project.relativize(file.toAbsolutePath().normalize()).toString();
    }

    /** A file as CI tools want it: relative to the repository root, else to the project folder; '/' separated. */
    public String repositoryFile(Path file) {
        Path root = repositoryRoot != null ? repositoryRoot : project;
        return root.relativize(file.toAbsolutePath().normalize()).toString().replace(java.io.File.separatorChar, '/');
    }

    /** Chain findings first, then each revision's, in chain order. */
    public Stream<Finding> allFindings() {
        return Stream.concat(chainFindings.stream(), revisions.stream().flatMap(r -> r.findings().stream()));
    }

    public boolean hasErrors() {
        return count(Severity.ERROR) > 0;
    }

    /** Unsuppressed findings of this severity. */
    public long count(Severity severity) {
        return allFindings().filter(f -> f.counts(severity)).count();
    }

    public long suppressedCount() {
        return allFindings().filter(Finding::suppressed).count();
    }

    public long count(RevisionStatus status) {
        return revisions.stream().filter(r -> r.run().status() == status).count();
    }
}
