package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.JointDeploy.FailedTogether;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;
import java.util.Optional;

/**
 * The revision fails when deployed together with the revisions before it (one {@code alembic upgrade}, as the deploy
 * runs it), though it runs on its own once they are committed: e.g. {@code ALTER TYPE ... ADD VALUE} in one revision
 * and the new value used in the next ({@code unsafe use of new value}).
 */
public final class DeployFailsTogetherRule implements Rule {

    @Override
    public String name() {
        return "deploy-fails-together";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "the revision runs on its own but fails when deployed together with the revisions before it, as "
                + "alembic upgrade runs them in one transaction";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        Optional<FailedTogether> failed = run.deploy().failedTogether();
        if (failed.isEmpty()) {
            return List.of();
        }
        return List.of(finding(run.deploy().command() + " fails at this revision, deployed together "
                + "with " + String.join(", ", failed.get().dependsOn()) + ": " + failed.get().error()
                + "; on its own, once they are committed, it runs: the deploy would fail though each revision passes",
                "let what it needs commit first: context.configure(..., transaction_per_migration=True) in env.py, or "
                        + "run the statement it needs inside with op.get_context().autocommit_block(): (ALTER TYPE ... "
                        + "ADD VALUE), or deploy the revisions separately"));
    }
}
