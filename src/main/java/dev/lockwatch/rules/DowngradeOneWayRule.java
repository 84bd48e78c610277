package dev.lockwatch.rules;

import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/**
 * The revision declares itself one-way: its own {@code downgrade()} raises (or raises NotImplementedError). Not an
 * error, as the revision says so on purpose; a warning, because rolling the deploy back stops there.
 */
public final class DowngradeOneWayRule implements Rule {

    @Override
    public String name() {
        return "downgrade-one-way";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "the revision's downgrade raises on purpose: a rollback of the deploy cannot go below it";
    }

    @Override
    public String explanation() {
        return "A revision may be one-way by design (it drops data, or merges what cannot be split "
                + "again); lockwatch reports it so the team knows a rollback past it means a restore from backup, and "
                + "goes on with the rest of the chain.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        DowngradeCheck check = run.downgrade();
        if (check.outcome() != DowngradeCheck.Outcome.ONE_WAY) {
            return List.of();
        }
        return List.of(finding(check.command() + " raises on purpose (" + check.detail()
                + "): the revision is one-way, a rollback of the deploy cannot go below it", "plan a restore from backup "
                + "as the way back past this revision, or suppress this warning with a reason if that is known"));
    }
}
