package dev.lockwatch.rules;

import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/**
 * The downgrade ran but did not restore the schema the upgrade started from (or upgrading again did not recreate
 * the upgrade's schema): compared on tables, columns, constraints, indexes, sequences, views and types.
 */
public final class DowngradeIncompleteRule implements Rule {

    @Override
    public String name() {
        return "downgrade-incomplete";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "the revision's downgrade runs but leaves the schema different from before the upgrade";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        DowngradeCheck check = run.downgrade();
        if (check.outcome() != DowngradeCheck.Outcome.INCOMPLETE) {
            return List.of();
        }
        List<String> parts = new java.util.ArrayList<>();
        if (!check.differences().isEmpty()) {
            parts.add(check.command() + " did not restore the schema the upgrade started from: "
                    + String.join("; ", check.differences()));
        }
        if (!check.upgradeAgainDifferences().isEmpty()) {
            parts.add("upgrading again after it did not recreate the upgrade's schema: "
                    + String.join("; ", check.upgradeAgainDifferences()));
        }
        return List.of(finding(String.join(". ", parts), "drop in downgrade() everything upgrade() "
                + "creates (tables, "
                + "columns, indexes, constraints, sequences, enum types: sa.Enum(name=...).drop(op.get_bind())) and "
                + "recreate everything it drops, in reverse order"));
    }
}
