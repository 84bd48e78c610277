package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/**
 * ALTER DOMAIN that checks existing rows (ADD CONSTRAINT without NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL):
 * the server locks every table with a column of the domain SHARE and scans it. Those SHARE locks on busy tables
 * are the evidence; ADD CONSTRAINT ... NOT VALID locks no table and is not flagged.
 */
public final class DomainConstraintScanRule implements Rule {

    @Override
    public String name() {
        return "domain-constraint-scan";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "ALTER DOMAIN that checks existing rows: every busy table using the domain is scanned while its "
                + "writes are blocked (SHARE)";
    }

    @Override
    public String explanation() {
        return "ALTER DOMAIN ... ADD CONSTRAINT (without NOT VALID), VALIDATE CONSTRAINT and SET NOT NULL check "
                + "every stored value of the domain: each table with a column of the domain is locked SHARE, which "
                + "blocks its INSERT, UPDATE and DELETE, and scanned to the end. Unlike a table's constraint, a "
                + "domain's has no validation that lets writes through. Fix: op.execute('ALTER DOMAIN d ADD "
                + "CONSTRAINT c CHECK (...) NOT VALID') (new values are checked at once, no scan) and validate it in "
                + "a quiet window; or put a CHECK on each table instead: op.create_check_constraint(..., "
                + "postgresql_not_valid=True), then VALIDATE CONSTRAINT in a later revision (SHARE UPDATE "
                + "EXCLUSIVE: writes continue). Not raised for tables the revision created or tables that are not busy.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        return CommandLocks.busy(run, CommandLocks.tagged("ALTER DOMAIN"), LockMode::blocksWrites).stream()
                .map(e -> finding(e, "ALTER DOMAIN checked every value of the domain in " + e.table()
                        + ", a scan of every row, while holding " + e.lockWords(),
                        "add the domain constraint NOT VALID: op.execute('ALTER DOMAIN ... ADD CONSTRAINT ... CHECK "
                                + "(...) NOT VALID') (no scan; new values are checked), and validate it in a quiet "
                                + "window; or use a CHECK on " + e.table().name() + " added with "
                                + "postgresql_not_valid=True and validated in a later revision"))
                .toList();
    }
}
