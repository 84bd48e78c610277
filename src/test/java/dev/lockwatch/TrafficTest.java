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

/** --traffic shows what production would feel; it never changes a verdict. */
class TrafficTest {
    /** Enough rows that an index build takes a good part of a second. */
    private static final String BASELINE = """
            op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
            op.execute("INSERT INTO orders (n) SELECT g % 1000 FROM generate_series(1, 1500000) g")
            op.execute("ANALYZE orders")
            """;

    @TempDir
    Path dir;

    private AlembicProject project(String upgrade) {
        return AlembicProject.create(dir).revision("r1", null, BASELINE).revision("r2", "r1", upgrade);
    }

    private static JsonNode orders(Result result) {
        JsonNode traffic = result.revision("r2").get("traffic");
        assertEquals("public.orders", traffic.get("tables").get(0).get("table").asText(), traffic.toString());
        return traffic.get("tables").get(0);
    }

    @Test
    void aPlainIndexBuildStallsWritesAndTheFindingSaysBy_howMuch() {
        Result result = Lockwatch.verify(project("op.create_index('ix_orders_n', 'orders', ['n'])"), "--from", "r1",
                "--traffic");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode orders = orders(result);
        assertTrue(orders.get("stalled").asLong() > 0, orders.toString());
        assertTrue(orders.get("longest_stall_ms").asLong() >= 100, orders.toString());
        assertTrue(orders.get("waited_on").toString().contains("CREATE INDEX ix_orders_n"), orders.toString());
        String message = result.revision("r2").get("findings").get(0).get("message").asText();
        assertTrue(message.contains("Measured with --traffic: requests to public.orders stalled up to"), message);
    }

    @Test
    void aConcurrentBuildStallsNothing() {
        Result result = Lockwatch.verify(project("""
                with op.get_context().autocommit_block():
                    op.create_index('ix_orders_n', 'orders', ['n'], postgresql_concurrently=True)
                """), "--from", "r1", "--traffic", "--stall-threshold", "400ms");

        assertEquals(0, result.exitCode(), result.describe());
        JsonNode orders = orders(result);
        assertTrue(orders.get("reads").asLong() + orders.get("updates").asLong() > 0, orders.toString());
        assertEquals(0, orders.get("stalled").asLong(), orders.toString());
        assertEquals(0, orders.get("waited_on").size(), orders.toString());
    }

    @Test
    void aDdlWithoutLockTimeoutQueuesBehindALongTransactionAndEverythingQueuesBehindIt() {
        Result result = Lockwatch.verify(project("op.add_column('orders', sa.Column('note', sa.Text))"), "--from", "r1",
                "--long-transaction", "2s");

        JsonNode queue = result.revision("r2").get("traffic").get("lock_queue");
        JsonNode migrationWait = null;
        boolean trafficBehindMigration = false;
        for (JsonNode wait : queue) {
            if (wait.get("waiter").asText().equals("migration") && wait.get("blocker").asText().equals("long-transaction")) {
                migrationWait = wait;
            }
            trafficBehindMigration |= wait.get("waiter").asText().equals("traffic")
                    && wait.get("blocker").asText().equals("migration")
                    && wait.get("blocker_query").asText().contains("ALTER TABLE orders ADD COLUMN note");
        }
        assertTrue(migrationWait != null, "the migration waited on the long transaction: " + queue);
        assertEquals("ACCESS EXCLUSIVE", migrationWait.get("mode").asText());
        assertTrue(migrationWait.get("waited_ms").asLong() >= 1000, migrationWait.toString());
        assertTrue(trafficBehindMigration, "reads and writes queued behind the waiting DDL: " + queue);
        assertTrue(orders(result).get("longest_stall_ms").asLong() >= 1000, orders(result).toString());
        assertEquals("applied", result.revision("r2").get("status").asText());
    }

    @Test
    void trafficNeverChangesTheVerdictOfARevisionWithoutAWriteBlockingLock() {
        AlembicProject project = project("op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))");

        Result quiet = Lockwatch.verify(project, "--from", "r1");
        Result busy = Lockwatch.verify(project, "--from", "r1", "--traffic", "--long-transaction", "1s");

        assertEquals(0, quiet.exitCode(), quiet.describe());
        assertEquals(quiet.exitCode(), busy.exitCode(), busy.describe());
        assertEquals(quiet.revision("r2").get("findings"), busy.revision("r2").get("findings"));
        assertEquals(0, orders(busy).get("waited_on").size(), orders(busy).toString());
    }
}
