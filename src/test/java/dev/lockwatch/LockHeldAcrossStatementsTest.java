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

/** lock-held-across-statements, end to end: a strong lock kept through the rest of its transaction's work. */
class LockHeldAcrossStatementsTest {
    private static final String ADD = "op.execute(\"SET lock_timeout = '3s'\")\n"
            + "op.add_column('orders', sa.Column('status', sa.String(10)))\n";
    private static final String DROP = "op.drop_column('orders', 'status')";

    @TempDir
    Path dir;

    @Test
    void aBackfillInTheTransactionThatAddedTheColumnKeepsTheTableLocked() {
        Result result = Lockwatch.verifyOnShop(dir, ADD + "op.execute(\"UPDATE orders SET status = 'new'\")", DROP);

        JsonNode finding = result.finding("r2", "lock-held-across-statements");
        assertEquals("warning", finding.get("severity").asText());
        assertFacts(finding, "public.orders", "ACCESS EXCLUSIVE", 1000, "autocommit_block");
        assertTrue(finding.get("statement").asText().startsWith("ALTER TABLE orders ADD COLUMN status"), finding.toString());
        assertTrue(finding.get("message").asText().contains("UPDATE orders SET status = 'new'"), finding.toString());
    }

    @Test
    void aBackfillAfterTheCommitRunsWithoutTheLock() {
        Result result = Lockwatch.verifyOnShop(dir, ADD + """
                with op.get_context().autocommit_block():
                    op.execute("UPDATE orders SET status = 'new'")
                """, DROP);

        assertEquals(List.of(), result.findings("r2", "lock-held-across-statements"), result.describe());
        JsonNode statements = result.revision("r2").get("statements");
        assertTrue(statements.get(statements.size() - 1).get("transaction").asInt() > statements.get(0).get("transaction").asInt(),
                "the backfill runs in a transaction of its own: " + statements);
    }

    @Test
    void moreCheapChangesToTheSameTableDoNotCount() {
        Result result = Lockwatch.verifyOnShop(dir, ADD + "op.add_column('orders', sa.Column('channel', sa.String(10)))",
                "op.drop_column('orders', 'channel')\n" + DROP);

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.rules("r2"));
    }
}
