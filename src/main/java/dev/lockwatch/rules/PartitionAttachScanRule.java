package dev.lockwatch.rules;

import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * ALTER TABLE ... ATTACH PARTITION that scans a busy table under ACCESS EXCLUSIVE: the attached table, to prove
 * its rows fit the bounds, and the default partition, to prove none of its rows belong to the new one. The
 * server's ACCESS EXCLUSIVE locks name the scanned tables (the parent itself gets SHARE UPDATE EXCLUSIVE on
 * PostgreSQL 12+). PostgreSQL skips the scan when a validated CHECK constraint implies the bounds; lockwatch cannot
 * replay that proof, so a table with a validated CHECK is given the benefit of the doubt.
 */
public final class PartitionAttachScanRule implements Rule {
    private static final Pattern ATTACH = Pattern.compile("\\bATTACH\\s+PARTITION\\b", Pattern.CASE_INSENSITIVE);

    @Override
    public String name() {
        return "partition-attach-scan";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.WARNING;
    }

    @Override
    public String summary() {
        return "ATTACH PARTITION that scans a busy table under ACCESS EXCLUSIVE to prove its rows fit the bounds, "
                + "with no validated CHECK constraint to spare the scan";
    }

    @Override
    public String explanation() {
        return "ALTER TABLE parent ATTACH PARTITION child FOR VALUES ... scans every row of child to check that it "
                + "fits the bounds, holding ACCESS EXCLUSIVE on child (and scans the default partition, if there is "
                + "one, under the same lock). PostgreSQL skips the scan when a validated CHECK constraint on child "
                + "implies the bounds. Fix, in Alembic terms: op.create_check_constraint('ck_child_bounds', 'child', "
                + "\"key >= ... AND key < ...\", postgresql_not_valid=True); in a later revision "
                + "op.execute('ALTER TABLE child VALIDATE CONSTRAINT ck_child_bounds') (SHARE UPDATE EXCLUSIVE); then "
                + "attach, and drop the CHECK afterwards. Not raised for tables the revision created or tables that "
                + "are not busy.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        Predicate<Statement> attach = CommandLocks.tagged("ALTER TABLE").and(s -> ATTACH.matcher(s.sql()).find());
        return CommandLocks.busy(run, attach, m -> m == LockMode.ACCESS_EXCLUSIVE).stream()
                .filter(e -> !e.table().equals(e.statement().target()) && !provable(run, e.table()))
                .map(e -> finding(e, "ATTACH PARTITION scanned " + e.table() + " to check its rows against the "
                        + "partition bounds while holding " + e.lockWords() + "; no validated CHECK constraint on it "
                        + "could spare the scan, which grows with the table",
                        "prove the bounds first: op.create_check_constraint(" + Identifiers.python("ck_" + e.table().name() + "_bounds")
                                + ", " + Identifiers.python(e.table().name()) + ", '<the bounds as a condition>', "
                                + "postgresql_not_valid=True); in a later revision op.execute("
                                + Identifiers.python("ALTER TABLE " + Identifiers.sql(e.table()) + " VALIDATE CONSTRAINT "
                                        + Identifiers.sql("ck_" + e.table().name() + "_bounds"))
                                + "); then attach it and drop the CHECK"))
                .toList();
    }

    /** A validated CHECK on the table, before the revision or added by it: it may imply the bounds. */
    private static boolean provable(RevisionRun run, TableRef table) {
        return Stream.of(run.before().table(table), run.after().table(table))
                .flatMap(java.util.Optional::stream).map(TableSchema::constraints).flatMap(List::stream)
                .anyMatch(c -> c.kind() == ConstraintSchema.Kind.CHECK && c.validated());
    }
}
