package dev.lockwatch.model;

import java.nio.file.Path;
import java.util.List;

/**
 * One Alembic revision file as the script directory declares it.
 *
 * @param downRevisions the parents; several for a merge revision, none for a base
 * @param dependsOn     extra ordering dependencies ({@code depends_on})
 */
public record Revision(String id, List<String> downRevisions, List<String> dependsOn, List<String> branchLabels,
                       Path file, String message) {

    public Revision {
        downRevisions = List.copyOf(downRevisions);
        dependsOn = List.copyOf(dependsOn);
        branchLabels = List.copyOf(branchLabels);
    }

    /** Parents and dependencies: everything that must be applied first. */
    public List<String> prerequisites() {
        return java.util.stream.Stream.concat(downRevisions.stream(), dependsOn.stream()).toList();
    }
}
