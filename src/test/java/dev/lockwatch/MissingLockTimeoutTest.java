package dev.lockwatch;

import static dev.lockwatch.support.Facts.assertFacts;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** missing-lock-timeout, end to end: the lock_timeout in effect in the migration's own session, however it was set. */
class MissingLockTimeoutTest {
    private static final String ADD = "op.add_column('orders', sa.Column('status', sa.String(10)))";
    private static final String DROP = "op.drop_column('orders', 'status')";

    @TempDir
    Path dir;

    @Test
    void aWriteBlockingLockWithoutTimeoutIsAWarning() {
        Result result = Lockwatch.verifyOnShop(dir, ADD, DROP);

        assertEquals(0, result.exitCode(), "a warning does not fail the run: " + result.describe());
        JsonNode finding = result.finding("r2", "missing-lock-timeout");
        assertEquals("warning", finding.get("severity").asText());
        assertFacts(finding, "public.orders", "ACCESS EXCLUSIVE", 1000, "SET lock_timeout");
    }

    @Test
    void aNullableColumnUnderALockTimeoutIsSafe() {
        Result result = Lockwatch.verifyOnShop(dir, "op.execute(\"SET lock_timeout = '3s'\")\n" + ADD, DROP);

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.rules("r2"));
        assertEquals(3000, result.revision("r2").get("statements").get(0).get("lock_timeout").asLong());
    }

    @Test
    void aTimeoutSetByEnvPyThroughConnectionOptionsCounts() {
        String env = AlembicProject.ENV_FROM_INI.formatted("").replace("poolclass=pool.NullPool)",
                "poolclass=pool.NullPool, connect_args={'options': '-c lock_timeout=2s'})");
        Result result = Lockwatch.verify(AlembicProject.create(dir, env)
                .revision("r1", null, AlembicProject.SHOP).revision("r2", "r1", ADD, DROP), "--from", "r1");

        assertEquals(List.of(), result.findings("r2", "missing-lock-timeout"), result.describe());
    }

    @Test
    void theValueInEffectAtEachStatementCountsNotTheRevisionsText() {
        Result result = Lockwatch.verifyOnShop(dir, ADD + """

                op.execute("SET lock_timeout = '3s'")
                op.add_column('customers', sa.Column('vip', sa.Boolean))
                """, "op.drop_column('customers', 'vip')\n" + DROP);

        JsonNode finding = result.finding("r2", "missing-lock-timeout");
        assertEquals("public.orders", finding.get("table").asText(), "customers was altered under a timeout");
    }

    @Test
    void rowExclusiveWritesAreNotWriteBlocking() {
        Result result = Lockwatch.verifyOnShop(dir, "op.execute(\"UPDATE orders SET note = 'x' WHERE id < 10\")", "pass");

        assertEquals(List.of(), result.findings("r2", "missing-lock-timeout"), result.describe());
    }
}
