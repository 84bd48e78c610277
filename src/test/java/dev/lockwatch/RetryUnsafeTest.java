package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * retry-unsafe, end to end: a revision that commits in steps is made to fail at one statement, as a lock timeout
 * would, then run again on a copy of the database it started from.
 */
class RetryUnsafeTest {
    @TempDir
    Path dir;

    private Result verify(String upgrade, String downgrade) {
        return Lockwatch.verifyOnShop(dir, upgrade, downgrade);
    }

    @Test
    void aConcurrentBuildThatFailsLeavesAnInvalidIndexTheRetryTripsOver() throws Exception {
        Result result = verify("""
                with op.get_context().autocommit_block():
                    op.create_index('ix_orders_customer', 'orders', ['customer_id'], postgresql_concurrently=True)
                """, "op.drop_index('ix_orders_customer', table_name='orders')");

        JsonNode finding = result.finding("r2", "retry-unsafe");
        assertEquals("warning", finding.get("severity").asText());
        assertEquals("public.orders", finding.get("table").asText());
        assertTrue(finding.get("statement").asText().startsWith("CREATE INDEX CONCURRENTLY ix_orders_customer"),
                finding.toString());
        assertTrue(finding.get("message").asText().contains("already exists"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("DROP INDEX CONCURRENTLY IF EXISTS ix_orders_customer"),
                finding.toString());
        assertTrue(result.err().contains("retry check: r2, 1 trial(s)"), result.err());
        assertEquals(List.of(), SharedPostgres.databases("lockwatch_%"), "the trial databases are dropped");
    }

    @Test
    void theSameBuildWrittenToBeRetriedIsSafe() {
        Result result = verify("""
                with op.get_context().autocommit_block():
                    op.execute('DROP INDEX CONCURRENTLY IF EXISTS ix_orders_customer')
                    op.create_index('ix_orders_customer', 'orders', ['customer_id'], postgresql_concurrently=True)
                """, "op.drop_index('ix_orders_customer', table_name='orders')");

        assertTrue(result.err().contains("retry check: r2, 1 trial(s)"), result.describe());
        assertEquals(List.of(), result.findings("r2", "retry-unsafe"), result.describe());
    }

    @Test
    void ifNotExistsKeepsTheInvalidIndexAndTheSchemaShowsIt() {
        Result result = verify("""
                with op.get_context().autocommit_block():
                    op.execute('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_customer ON orders (customer_id)')
                """, "op.drop_index('ix_orders_customer', table_name='orders')");

        JsonNode finding = result.finding("r2", "retry-unsafe");
        assertTrue(finding.get("message").asText().contains("INVALID"), finding.toString());
    }

    @Test
    void aCommittedStepTheRetryRepeatsIsFound() {
        Result result = verify("""
                op.add_column('orders', sa.Column('status', sa.Text))
                op.execute('COMMIT')
                op.execute("SET lock_timeout = '3s'")
                op.create_index('ix_orders_customer', 'orders', ['customer_id'])
                """, "op.drop_index('ix_orders_customer', table_name='orders')\nop.drop_column('orders', 'status')");

        JsonNode finding = result.finding("r2", "retry-unsafe");
        assertTrue(finding.get("statement").asText().startsWith("CREATE INDEX ix_orders_customer"), finding.toString());
        assertTrue(finding.get("message").asText().contains("already exists"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("IF NOT EXISTS"), finding.toString());
    }

    @Test
    void aFullyTransactionalRevisionIsNotTried() {
        Result result = verify("""
                op.add_column('orders', sa.Column('status', sa.Text))
                op.create_index('ix_orders_customer', 'orders', ['customer_id'])
                """, "op.drop_index('ix_orders_customer', table_name='orders')\nop.drop_column('orders', 'status')");

        assertFalse(result.err().contains("retry check"), result.err());
        assertEquals(List.of(), result.findings("r2", "retry-unsafe"));
    }

    @Test
    void turningTheRuleOffSkipsTheTrials() {
        Result result = Lockwatch.verifyOnShop(dir, """
                with op.get_context().autocommit_block():
                    op.create_index('ix_orders_customer', 'orders', ['customer_id'], postgresql_concurrently=True)
                """, "op.drop_index('ix_orders_customer', table_name='orders')", "--rule", "retry-unsafe=off");

        assertFalse(result.err().contains("retry check"), result.err());
        assertEquals(List.of(), result.findings("r2", "retry-unsafe"));
    }
}
