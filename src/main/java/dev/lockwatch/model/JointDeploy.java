package dev.lockwatch.model;

import java.util.List;
import java.util.Optional;

/**
 * What a revision did as part of a joint deploy (one {@code alembic upgrade} of every pending revision, as the
 * deploy runs it), beyond its own statements: what later revisions ran while its transaction was still open, and
 * whether it failed only because it was deployed together with others.
 *
 * @param command        the deploy as run, e.g. {@code alembic upgrade r4}
 * @param later          the statements of later revisions of the same deploy, in order, each with its revision
 * @param failedTogether set when the revision failed in the joint deploy but runs on its own
 */
public record JointDeploy(String command, List<LaterStatement> later, Optional<FailedTogether> failedTogether) {
    public static final JointDeploy NONE = new JointDeploy("", List.of(), Optional.empty());

    public JointDeploy {
        later = List.copyOf(later);
    }

    /** Whether the revision ran as part of a joint deploy at all (else it was its own deploy). */
    public boolean joint() {
        return !command.isEmpty();
    }

    public JointDeploy withCommand(String deploy) {
        return new JointDeploy(deploy, later, failedTogether);
    }

    public JointDeploy withFailedTogether(FailedTogether failure) {
        return new JointDeploy(command, later, Optional.of(failure));
    }

    /** A statement another, later revision of the same deploy ran. */
    public record LaterStatement(String revision, Statement statement) {
    }

    /**
     * @param error     alembic's error in the joint deploy
     * @param dependsOn the revisions of the same transaction it ran after, one of which it needs committed first
     * @param failedAt  the revision-file line the failure came from, when alembic's output told
     */
    public record FailedTogether(String error, List<String> dependsOn, Optional<SourceLocation> failedAt) {
        public FailedTogether {
            dependsOn = List.copyOf(dependsOn);
        }
    }
}
