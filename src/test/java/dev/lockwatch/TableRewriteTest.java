package dev.lockwatch;

import static dev.lockwatch.support.Facts.assertFacts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** table-rewrite, end to end: what the server rewrote, seen by its table_rewrite event or the table's new storage. */
class TableRewriteTest {
    @TempDir
    Path dir;

    private Result verify(String upgrade, String downgrade) {
        return Lockwatch.verifyOnShop(dir, upgrade, downgrade);
    }

    @Test
    void aTypeChangeThatIsNotBinaryCoercibleRewritesTheTable() {
        Result result = verify("op.alter_column('orders', 'qty', type_=sa.BigInteger)",
                "op.alter_column('orders', 'qty', type_=sa.Integer)");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "table-rewrite");
        assertEquals("error", finding.get("severity").asText());
        assertFacts(finding, "public.orders", "ACCESS EXCLUSIVE", 1000, "op.add_column()");
        assertTrue(finding.get("statement").asText().contains("TYPE BIGINT"), finding.toString());
        assertTrue(finding.get("blocks").asText().contains("reads and writes"), finding.toString());
        assertEquals(List.of(), result.findings("r2", "non-concurrent-index"), "a rewrite is told once, as a rewrite");
    }

    @Test
    void eachStatementThatRewritesTheTableIsAFindingOfItsOwn() {
        Result result = verify("""
                op.alter_column('orders', 'qty', type_=sa.BigInteger)
                op.alter_column('orders', 'qty', type_=sa.Numeric)
                """, "op.alter_column('orders', 'qty', type_=sa.Integer)");

        List<JsonNode> rewrites = result.findings("r2", "table-rewrite");
        assertEquals(2, rewrites.size(), result.describe()); // each copies the table again, each on its own line
        assertTrue(rewrites.get(0).get("statement").asText().contains("TYPE BIGINT"), rewrites.toString());
        assertTrue(rewrites.get(1).get("statement").asText().contains("TYPE NUMERIC"), rewrites.toString());
    }

    @Test
    void aVolatileDefaultRewritesTheTable() {
        Result result = verify("op.add_column('orders', sa.Column('seen_at', sa.DateTime, server_default=sa.text('clock_timestamp()')))",
                "op.drop_column('orders', 'seen_at')");

        assertFacts(result.finding("r2", "table-rewrite"), "public.orders", "ACCESS EXCLUSIVE", 1000, "nullable");
    }

    @Test
    void anIdentityColumnRewritesTheTable() {
        Result result = verify("op.execute('ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY')",
                "op.drop_column('orders', 'seq')");

        assertEquals(List.of("table-rewrite"), result.errors("r2"));
    }

    @Test
    void vacuumFullIsSeenByTheTablesNewStorage() {
        Result result = verify("""
                with op.get_context().autocommit_block():
                    op.execute('VACUUM FULL orders')
                """, "pass");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "table-rewrite");
        assertEquals("public.orders", finding.get("table").asText());
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText());
        assertEquals(1000, finding.get("rows").asLong());
        assertTrue(finding.get("hint").asText().contains("pg_repack"), finding.toString());
    }

    @Test
    void setUnloggedRewritesTheTable() {
        Result result = verify("op.execute('ALTER TABLE customers SET UNLOGGED')", "op.execute('ALTER TABLE customers SET LOGGED')");

        assertFacts(result.finding("r2", "table-rewrite"), "public.customers", "ACCESS EXCLUSIVE", 100, "SET LOGGED");
    }

    @Test
    void aConstantDefaultAndVarcharToTextDoNotRewrite() {
        Result result = verify("""
                op.execute("SET lock_timeout = '3s'")
                op.add_column('orders', sa.Column('status', sa.String(10), server_default='new', nullable=False))
                op.alter_column('orders', 'note', type_=sa.Text)
                """, """
                op.alter_column('orders', 'note', type_=sa.String(20))
                op.drop_column('orders', 'status')
                """);

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.rules("r2"));
        assertEquals("passed", result.revision("r2").get("downgrade").get("outcome").asText());
    }

    @Test
    void rewritingATableCreatedInTheSameRevisionBlocksNobody() {
        Result result = verify("""
                op.create_table('shipments', sa.Column('id', sa.Integer, primary_key=True), sa.Column('weight', sa.Integer))
                op.alter_column('shipments', 'weight', type_=sa.BigInteger)
                """, "op.drop_table('shipments')");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.findings("r2", "table-rewrite"));
    }

    @Test
    void truncateGivesNewStorageButIsNoRewrite() {
        Result result = verify("op.execute(\"SET lock_timeout = '3s'\")\nop.execute('TRUNCATE orders')", "pass");

        assertEquals(List.of(), result.findings("r2", "table-rewrite"));
    }
}
