package dev.lockwatch.model;

import java.nio.file.Path;

/**
 * A revision file the branch changed since its merge-base with {@code --git-base}.
 *
 * @param file     absolute; for a deleted file, where it was
 * @param revision the id the file declares (declared, for a deleted file); null when unreadable
 */
public record RevisionChange(Kind kind, Path file, String revision) {

    public enum Kind {
        /** New on the branch: verified. */
        ADDED,
        /** Exists on the base and was edited (a rename with edits included). */
        MODIFIED,
        /** Exists on the base and was deleted. */
        DELETED
    }
}
