package dev.lockwatch.model;

import java.util.List;

/**
 * How {@code --git-base} chose the revisions to verify.
 *
 * @param ref       what the user passed, e.g. {@code origin/main}
 * @param mergeBase the commit the branch forked from
 * @param changes   the revision files added, edited or deleted since the merge-base
 */
public record GitSelection(String ref, String mergeBase, List<RevisionChange> changes) {

    public GitSelection {
        changes = List.copyOf(changes);
    }

    public List<RevisionChange> changes(RevisionChange.Kind kind) {
        return changes.stream().filter(c -> c.kind() == kind).toList();
    }
}
