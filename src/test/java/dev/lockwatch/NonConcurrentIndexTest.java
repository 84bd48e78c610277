package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** non-concurrent-index, end to end: real alembic, real Postgres, positive and negative cases. */
class NonConcurrentIndexTest {
    private static final String TABLES = """
            op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True),
                            sa.Column('customer_id', sa.Integer), sa.Column('code', sa.String(20)))
            op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))
            """;

    @TempDir
    Path dir;

    private AlembicProject projectWith(String upgrade) {
        return AlembicProject.create(dir).revision("r1", null, TABLES).revision("r2", "r1", upgrade);
    }

    @Test
    void plainCreateIndexOnABusyTableIsAnErrorWithItsLockAndFix() {
        Result result = Lockwatch.verify(projectWith("op.create_index('ix_orders_customer', 'orders', ['customer_id'])"),
                "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.revision("r2").get("findings").get(0);
        assertEquals("non-concurrent-index", finding.get("rule").asText());
        assertEquals("error", finding.get("severity").asText());
        assertEquals("public.orders", finding.get("table").asText());
        assertEquals("SHARE", finding.get("lock").asText());
        assertTrue(finding.get("statement").asText().startsWith("CREATE INDEX ix_orders_customer"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("postgresql_concurrently=True"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("autocommit_block"), finding.toString());
        JsonNode statement = result.revision("r2").get("statements").get(0);
        assertEquals("CREATE INDEX", statement.get("tag").asText());
        assertEquals(0, statement.get("lock_timeout").asLong());
        JsonNode lock = statement.get("locks").get(0);
        assertTrue(lock.get("busy").asBoolean());
        assertTrue(lock.get("granted").asBoolean());
        assertEquals("applied", result.revision("r2").get("status").asText());
        assertTrue(result.err().contains("[1/1] r2"), result.err());
    }

    @Test
    void concurrentBuildInAnAutocommitBlockIsNotFlaggedButItsLockIsListed() {
        Result result = Lockwatch.verify(projectWith("""
                with op.get_context().autocommit_block():
                    op.create_index('ix_orders_customer', 'orders', ['customer_id'], postgresql_concurrently=True)
                """), "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(java.util.List.of(), result.errors("r2"));
        assertEquals(java.util.List.of("public.orders SHARE UPDATE EXCLUSIVE"), result.locks("r2"));
    }

    @Test
    void concurrentBuildAfterAnExplicitCommitIsNotFlagged() {
        Result result = Lockwatch.verify(projectWith("""
                op.execute('COMMIT')
                op.create_index('ix_orders_customer', 'orders', ['customer_id'], postgresql_concurrently=True)
                """), "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(java.util.List.of("public.orders SHARE UPDATE EXCLUSIVE"), result.locks("r2"));
    }

    @Test
    void plainBuildAfterAnExplicitCommitIsStillCaught() {
        Result result = Lockwatch.verify(projectWith("""
                op.execute('COMMIT')
                op.create_index('ix_orders_customer', 'orders', ['customer_id'])
                """), "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(java.util.List.of("non-concurrent-index"), result.errors("r2"));
    }

    @Test
    void indexOnATableCreatedInTheSameRevisionIsNotFlagged() {
        Result result = Lockwatch.verify(projectWith("""
                op.create_table('shipments', sa.Column('id', sa.Integer, primary_key=True), sa.Column('order_id', sa.Integer))
                op.create_index('ix_shipments_order', 'shipments', ['order_id'])
                """), "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(java.util.List.of(), result.errors("r2"));
        assertEquals(java.util.List.of(), result.locks("r2"));
    }

    @Test
    void tablesCreatedByTheDeployAreNotBusy() {
        // --from base: r1 and r2 are one deploy, which creates orders (without --from, r2 is a deploy of its own and
        // orders, created before it, is busy: JointDeployVerdictsTest)
        Result result = Lockwatch.verify(projectWith("op.create_index('ix_orders_customer', 'orders', ['customer_id'])"),
                "--from", "base");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(java.util.List.of(), result.errors("r2"));
        // made by the deploy's own transaction, orders is seen by no one else until COMMIT: its SHARE lock is not listed
        assertEquals(java.util.List.of(), result.locks("r2"));
    }

    @Test
    void onlyNamedBusyTablesCountWhenBusyTablesAreGiven() {
        AlembicProject project = projectWith("op.create_index('ix_orders_customer', 'orders', ['customer_id'])");

        Result notBusy = Lockwatch.verify(project, "--from", "r1", "--busy-table", "audit");
        Result busy = Lockwatch.verify(project, "--from", "r1", "--busy-table", "public.orders");

        assertEquals(0, notBusy.exitCode(), notBusy.describe());
        assertEquals(java.util.List.of("public.orders SHARE"), notBusy.locks("r2"));
        assertEquals(1, busy.exitCode(), busy.describe());
    }

    @Test
    void uniqueConstraintBuildsAnIndexUnderAccessExclusive() {
        Result result = Lockwatch.verify(projectWith("op.create_unique_constraint('uq_orders_code', 'orders', ['code'])"),
                "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.revision("r2").get("findings").get(0);
        assertEquals("non-concurrent-index", finding.get("rule").asText());
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText());
        assertTrue(finding.get("hint").asText().contains("USING INDEX"), finding.toString());
    }

    @Test
    void attachingAConcurrentlyBuiltIndexAsConstraintIsNotAnIndexBuild() {
        Result result = Lockwatch.verify(projectWith("""
                with op.get_context().autocommit_block():
                    op.create_index('uq_orders_code', 'orders', ['code'], unique=True, postgresql_concurrently=True)
                op.execute('ALTER TABLE orders ADD CONSTRAINT uq_orders_code UNIQUE USING INDEX uq_orders_code')
                """), "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(java.util.List.of(), result.errors("r2"));
    }

    @Test
    void reindexInsideTheTransactionIsAnIndexBuild() {
        Result result = Lockwatch.verify(AlembicProject.create(dir)
                .revision("r1", null, TABLES + "op.create_index('ix_orders_customer', 'orders', ['customer_id'])")
                .revision("r2", "r1", "op.execute('REINDEX INDEX ix_orders_customer')"), "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(java.util.List.of("non-concurrent-index"), result.errors("r2"));
    }

    @Test
    void secondIndexOnTheSameTableInOneTransactionIsFlaggedToo() {
        Result result = Lockwatch.verify(projectWith("""
                op.create_index('ix_orders_customer', 'orders', ['customer_id'])
                op.create_index('ix_orders_code', 'orders', ['code'])
                """), "--from", "r1");

        assertEquals(2, result.findings("r2", "non-concurrent-index").size(), result.describe());
    }
}
