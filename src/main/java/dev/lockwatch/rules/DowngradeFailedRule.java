package dev.lockwatch.rules;

import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/** The downgrade round trip broke: {@code alembic downgrade} failed, or the upgrade did not run again after it. */
public final class DowngradeFailedRule implements Rule {

    @Override
    public String name() {
        return "downgrade-failed";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "the revision's downgrade fails, or its upgrade fails when run again after the downgrade: a rollback "
                + "of the deploy would break";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        DowngradeCheck check = run.downgrade();
        if (check.outcome() != DowngradeCheck.Outcome.FAILED) {
            return List.of();
        }
        String id = run.revision().id();
        String what = switch (check.failedStep()) {
            case DOWNGRADE -> check.command() + " failed";
            case UPGRADE_AGAIN -> "alembic upgrade " + id + " failed when run again after " + check.command();
        };
        String message = what + ": " + check.detail()
                + (check.differences().isEmpty() ? "" : "; after the downgrade, compared with before the upgrade: "
                        + String.join("; ", check.differences()))
                + switch (check.restored()) {
                    case NONE -> "";
                    case STAMP -> "; lockwatch stamped the revision back (the schema was still the upgrade's) and went on";
                    case REPLAY -> "; lockwatch rebuilt the database from the baseline up to " + id + " and went on";
                };
        return List.of(finding(message, "make downgrade() undo exactly what upgrade() does, in "
                + "reverse order, and try it: alembic downgrade " + run.revision().id() + "@-1 && alembic upgrade "
                + run.revision().id() + " on a scratch database (or skip this check with --no-downgrade-check)"));
    }
}
