package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationFailedRuleTest {
    private final MigrationFailedRule rule = new MigrationFailedRule();
    private static final String TIMED_OUT = "did not finish within --revision-timeout 5 s";
    private static final String ALTER = "ALTER TABLE orders ADD COLUMN note TEXT";

    @Test
    void aFailureIsAnErrorWithAlembicsMessageAndAHint() {
        Finding finding = only(rule.check(Runs.revision().failed("psycopg2.errors.UndefinedTable: relation \"x\" "
                + "does not exist").run()));

        assertTrue(finding.message().startsWith("alembic upgrade r2 failed: psycopg2.errors.UndefinedTable"),
                finding.message());
        assertTrue(finding.hint().orElseThrow().contains("down_revision"), finding.hint().orElseThrow());
        assertTrue(finding.statement().isEmpty());
    }

    @Test
    void aRevisionThatRanOutOfTimeWaitingForALockPointsAtTheStatementAndTheLock() {
        Finding finding = only(rule.check(Runs.revision().existing("orders", 1000)
                .statement("UPDATE orders SET qty = 0", "UPDATE", 1, "orders ROW EXCLUSIVE")
                .waiting(ALTER, "ALTER TABLE", 1, "orders ACCESS EXCLUSIVE").failed(TIMED_OUT).run()));

        assertEquals(ALTER, finding.statement().orElseThrow());
        assertTrue(finding.lock().isEmpty(), "the statement never got the lock it waited for");
        assertEquals("public.orders", finding.table().orElseThrow().toString());
        assertTrue(finding.message().endsWith(TIMED_OUT + ". " + ALTER + " was still waiting for ACCESS EXCLUSIVE on "
                + "public.orders, which another session held"), finding.message());
        assertTrue(finding.hint().orElseThrow().contains("raise --revision-timeout"), finding.hint().orElseThrow());
    }

    @Test
    void aLockTheRevisionTookOnASecondConnectionIsNamed() {
        Finding finding = only(rule.check(Runs.revision().existing("orders", 1000)
                .waiting(ALTER, "ALTER TABLE", 1, "orders ACCESS EXCLUSIVE")
                .statement("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", "LOCK TABLE", 2, "orders ACCESS EXCLUSIVE")
                .failed(TIMED_OUT).run()));

        assertTrue(finding.message().endsWith("on which the revision's own LOCK TABLE orders IN ACCESS EXCLUSIVE MODE "
                + "(transaction 2) had taken a conflicting lock"), finding.message());
        assertTrue(finding.hint().orElseThrow().contains("commit and close it"), finding.hint().orElseThrow());
    }

    @Test
    void aLockThatDoesNotConflictIsNotTheHolder() {
        Finding finding = only(rule.check(Runs.revision().existing("orders", 1000)
                .waiting("CREATE INDEX ix ON orders (qty)", "CREATE INDEX", 1, "orders SHARE")
                .statement("SELECT * FROM orders", "SELECT", 2, "orders ACCESS SHARE")
                .failed(TIMED_OUT).run()));

        assertTrue(finding.message().endsWith("which another session held"), finding.message());
    }

    @Test
    void aRevisionThatAppliedHasNoFinding() {
        assertEquals(List.of(), rule.check(Runs.revision().statement(ALTER, "ALTER TABLE", 1).run()));
    }

    private static Finding only(List<Finding> findings) {
        assertEquals(1, findings.size(), findings.toString());
        return findings.get(0);
    }
}
