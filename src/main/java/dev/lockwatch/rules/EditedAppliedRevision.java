package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.GitSelection;
import dev.lockwatch.model.RevisionChange;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import java.util.List;

/** The branch edited or deleted a revision file that already exists on the {@code --git-base} ref. */
public final class EditedAppliedRevision implements FindingKind {

    @Override
    public String name() {
        return "edited-applied-revision";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "the branch edits or deletes a revision file that already exists on the base branch";
    }

    @Override
    public String explanation() {
        return "Migrations are append-only once shipped. Databases that already ran a revision never run it again, "
                + "so an edit to it reaches only fresh databases: production and staging drift apart from what "
                + "the code says, and a deleted revision breaks every database stamped with it. Fix: revert the "
                + "edit and put the change in a new revision (alembic revision -m ...). For a change that is "
                + "truly harmless (a comment, a docstring), suppress it in that file's header with "
                + "# lockwatch: ignore[edited-applied-revision] reason: ...";
    }

    public List<Finding> check(GitSelection git) {
        if (git == null) {
            return List.of();
        }
        return git.changes().stream().filter(c -> c.kind() != RevisionChange.Kind.ADDED).map(c -> finding(git, c)).toList();
    }

    private Finding finding(GitSelection git, RevisionChange change) {
        String what = change.kind() == RevisionChange.Kind.DELETED ? "deletes" : "edits";
        String revision = change.revision() == null ? "" : " " + change.revision();
        return finding("this branch " + what + " revision" + revision + ", which already exists on "
                        + git.ref() + ": databases that applied it will never see the change",
                "revert the change to the file and make it in a new revision (alembic revision -m ...)")
                .at(SourceLocation.fileOnly(change.file()));
    }
}
