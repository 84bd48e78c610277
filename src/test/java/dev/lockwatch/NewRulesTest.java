package dev.lockwatch;

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

/**
 * The checks users of other migration linters expect, end to end: real alembic, real Postgres, each rule on a
 * busy table (flagged), its fix (not flagged) and, where it matters, a table the revision created itself.
 */
class NewRulesTest {
    @TempDir
    Path dir;

    /** r1 = the shop baseline plus {@code setup}; r2 runs {@code upgrade}; verified --from r1. */
    private Result verify(String setup, String upgrade) {
        return Lockwatch.verify(AlembicProject.create(dir).revision("r1", null, AlembicProject.SHOP + setup)
                .revision("r2", "r1", upgrade), "--from", "r1", "--no-downgrade-check");
    }

    @Test
    void dropIndexWithoutConcurrentlyIsAWarningWithItsLock() {
        Result result = verify("op.create_index('ix_orders_customer', 'orders', ['customer_id'])",
                "op.execute(\"SET lock_timeout = '3s'\")\nop.drop_index('ix_orders_customer', table_name='orders')");

        JsonNode finding = result.finding("r2", "non-concurrent-index-drop");
        assertEquals("warning", finding.get("severity").asText());
        assertEquals("public.orders", finding.get("table").asText());
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText());
        assertTrue(finding.get("hint").asText().contains("postgresql_concurrently=True"), finding.toString());
    }

    @Test
    void dropIndexConcurrentlyIsNotFlagged() {
        Result result = verify("op.create_index('ix_orders_customer', 'orders', ['customer_id'])", """
                with op.get_context().autocommit_block():
                    op.drop_index('ix_orders_customer', table_name='orders', postgresql_concurrently=True)
                """);

        assertEquals(List.of(), result.findings("r2", "non-concurrent-index-drop"), result.describe());
    }

    @Test
    void truncateOfABusyTableIsAnErrorAndNoRewrite() {
        Result result = verify("", "op.execute(\"SET lock_timeout = '3s'\")\nop.execute('TRUNCATE orders')");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "table-truncate");
        assertEquals("error", finding.get("severity").asText());
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText());
        assertEquals(1000, finding.get("rows").asLong());
        assertEquals(List.of("table-truncate"), result.errors("r2"));
    }

    @Test
    void truncateOfATableTheRevisionCreatedIsNotFlagged() {
        Result result = verify("", """
                op.create_table('staging', sa.Column('id', sa.Integer, primary_key=True))
                op.execute('TRUNCATE staging')
                """);

        assertEquals(List.of(), result.findings("r2", "table-truncate"), result.describe());
    }

    private static final String VIEW = """
            op.execute('CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(qty) AS qty FROM orders GROUP BY customer_id')
            op.execute('CREATE UNIQUE INDEX ux_order_totals ON order_totals (customer_id)')
            """;

    @Test
    void refreshWithoutConcurrentlyBlocksReadsOfTheView() {
        Result result = verify(VIEW, "op.execute('REFRESH MATERIALIZED VIEW order_totals')");

        JsonNode finding = result.finding("r2", "non-concurrent-matview-refresh");
        assertEquals("public.order_totals", finding.get("table").asText());
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText());
        assertEquals(List.of(), result.findings("r2", "table-rewrite"), "a refresh is told once");
    }

    @Test
    void concurrentRefreshIsNotFlagged() {
        Result result = verify(VIEW, """
                with op.get_context().autocommit_block():
                    op.execute('REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals')
                """);

        assertEquals(List.of(), result.findings("r2", "non-concurrent-matview-refresh"), result.describe());
    }

    private static final String PARTITIONS = """
            op.execute('CREATE TABLE events (id int NOT NULL, at int NOT NULL) PARTITION BY RANGE (at)')
            op.execute('CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (100)')
            op.execute('INSERT INTO events SELECT g, g % 100 FROM generate_series(1, 500) g')
            op.execute('CREATE TABLE events_2 (id int NOT NULL, at int NOT NULL)')
            op.execute('INSERT INTO events_2 SELECT g, 100 + g % 100 FROM generate_series(1, 500) g')
            """;

    @Test
    void detachWithoutConcurrentlyLocksTheWholePartitionedTable() {
        Result result = verify(PARTITIONS, "op.execute('ALTER TABLE events DETACH PARTITION events_1')");

        JsonNode finding = result.finding("r2", "non-concurrent-partition-detach");
        assertEquals("public.events", finding.get("table").asText());
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText());
    }

    @Test
    void concurrentDetachIsNotFlagged() {
        Result result = verify(PARTITIONS, """
                with op.get_context().autocommit_block():
                    op.execute('ALTER TABLE events DETACH PARTITION events_1 CONCURRENTLY')
                """);

        assertEquals(List.of(), result.findings("r2", "non-concurrent-partition-detach"), result.describe());
    }

    @Test
    void attachScansTheBusyTableWithoutAProvingCheck() {
        Result result = verify(PARTITIONS, "op.execute('ALTER TABLE events ATTACH PARTITION events_2 FOR VALUES FROM (100) TO (200)')");

        JsonNode finding = result.finding("r2", "partition-attach-scan");
        assertEquals("public.events_2", finding.get("table").asText());
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText());
    }

    @Test
    void attachAfterAValidatedCheckIsNotFlagged() {
        Result result = verify(PARTITIONS + """
                op.execute('ALTER TABLE events_2 ADD CONSTRAINT ck_events_2_bounds CHECK (at >= 100 AND at < 200)')
                """, "op.execute('ALTER TABLE events ATTACH PARTITION events_2 FOR VALUES FROM (100) TO (200)')");

        assertEquals(List.of(), result.findings("r2", "partition-attach-scan"), result.describe());
    }

    private static final String DOMAIN = """
            op.execute('CREATE DOMAIN quantity AS integer')
            op.execute('ALTER TABLE orders ALTER COLUMN qty TYPE quantity')
            """;

    @Test
    void aDomainConstraintThatValidatesScansEveryTableUsingIt() {
        Result result = verify(DOMAIN, "op.execute('ALTER DOMAIN quantity ADD CONSTRAINT quantity_positive CHECK (VALUE > 0)')");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "domain-constraint-scan");
        assertEquals("public.orders", finding.get("table").asText());
        assertEquals("SHARE", finding.get("lock").asText());
        assertEquals(1000, finding.get("rows").asLong());
    }

    @Test
    void aDomainConstraintAddedNotValidIsNotFlagged() {
        Result result = verify(DOMAIN,
                "op.execute('ALTER DOMAIN quantity ADD CONSTRAINT quantity_positive CHECK (VALUE > 0) NOT VALID')");

        assertEquals(List.of(), result.findings("r2", "domain-constraint-scan"), result.describe());
    }

    private static final String ENUM = """
            op.execute("CREATE TYPE status AS ENUM ('new', 'paid')")
            op.add_column('orders', sa.Column('status', sa.Text))
            """;

    @Test
    void usingANewEnumValueInTheSameTransactionFailsTheDeploy() {
        Result result = verify(ENUM, """
                op.execute("ALTER TYPE status ADD VALUE 'archived'")
                op.execute("SELECT 'archived'::status")
                """);

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "enum-value-in-transaction");
        assertEquals("error", finding.get("severity").asText());
        assertTrue(finding.get("statement").asText().startsWith("ALTER TYPE status ADD VALUE"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("autocommit_block"), finding.toString());
    }

    @Test
    void addingTheValueOutsideTheTransactionIsFine() {
        Result result = verify(ENUM, """
                with op.get_context().autocommit_block():
                    op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")
                op.execute("SELECT 'archived'::status")
                """);

        assertEquals("applied", result.revision("r2").get("status").asText(), result.describe());
        assertEquals(List.of(), result.findings("r2", "enum-value-in-transaction"));
    }

    @Test
    void vacuumFullStaysATableRewriteThatSaysWhatRan() {
        Result result = verify("", """
                with op.get_context().autocommit_block():
                    op.execute('VACUUM FULL orders')
                """);

        JsonNode finding = result.finding("r2", "table-rewrite");
        assertTrue(finding.get("message").asText().contains("VACUUM FULL"), finding.toString());
    }

    @Test
    void aRevisionOverTheLockTimeBudgetInProductionIsAnError() throws Exception {
        Path stats = java.nio.file.Files.writeString(dir.resolve("stats.csv"),
                "schemaname,relname,reltuples,n_tup_ins\npublic,orders,1000000000,500000\npublic,customers,100000,100\n");
        String upgrade = "op.execute(\"SET lock_timeout = '3s'\")\nop.create_index('ix_orders_customer', 'orders', ['customer_id'])";

        Result withoutStats = verify("", upgrade);
        Result within = Lockwatch.verify(AlembicProject.create(dir).revision("r1", null, AlembicProject.SHOP)
                .revision("r2", "r1", upgrade), "--from", "r1", "--no-downgrade-check", "--table-stats",
                stats.toString(), "--max-lock-time", "150h");

        assertEquals(List.of(), withoutStats.findings("r2", "lock-time-budget"), "no --table-stats, nothing to estimate");
        assertEquals(List.of(), within.findings("r2", "lock-time-budget"), within.describe());
        Result result = Lockwatch.verify(AlembicProject.create(dir).revision("r1", null, AlembicProject.SHOP)
                .revision("r2", "r1", upgrade), "--from", "r1", "--no-downgrade-check", "--table-stats",
                stats.toString());
        JsonNode finding = result.finding("r2", "lock-time-budget");
        assertEquals("error", finding.get("severity").asText());
        assertEquals("public.orders", finding.get("table").asText());
        assertTrue(finding.get("message").asText().contains("over the --max-lock-time budget of 5 s"), finding.toString());
        assertTrue(finding.get("message").asText().contains("of SHARE on public.orders (CREATE INDEX)"), finding.toString());
    }

    @Test
    void aBackfillInOneStatementCountsTheRowsItReallyChanged() {
        String upgrade = "op.execute(\"SET lock_timeout = '3s'\")\nop.execute('UPDATE orders SET qty = qty + 1 WHERE id <= 600')";
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, AlembicProject.SHOP)
                .revision("r2", "r1", upgrade);

        Result flagged = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check", "--max-rows-per-statement", "500");
        Result withinDefault = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        JsonNode finding = flagged.finding("r2", "unbatched-data-change");
        assertEquals("public.orders", finding.get("table").asText());
        assertTrue(finding.get("message").asText().startsWith("UPDATE changed 600 rows of public.orders"), finding.toString());
        assertEquals(List.of(), withinDefault.findings("r2", "unbatched-data-change"), withinDefault.describe());
    }

    @Test
    void aBackfillOfATableTheRevisionCreatedIsNotFlagged() {
        Result result = Lockwatch.verify(AlembicProject.create(dir).revision("r1", null, AlembicProject.SHOP)
                .revision("r2", "r1", """
                        op.create_table('staging', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        op.execute('INSERT INTO staging SELECT g, g FROM generate_series(1, 1000) g')
                        op.execute('UPDATE staging SET n = n + 1')
                        """), "--from", "r1", "--no-downgrade-check", "--max-rows-per-statement", "10");

        assertEquals(List.of(), result.findings("r2", "unbatched-data-change"), result.describe());
    }

    @Test
    void explainKnowsEveryNewRule() {
        for (String rule : List.of("non-concurrent-index-drop", "table-truncate", "non-concurrent-matview-refresh",
                "non-concurrent-partition-detach", "partition-attach-scan", "domain-constraint-scan",
                "enum-value-in-transaction", "unbatched-data-change", "lock-time-budget", "retry-unsafe")) {
            Result result = Lockwatch.run("explain", rule);
            assertEquals(0, result.exitCode(), result.describe());
            assertTrue(result.out().startsWith(rule + " (default severity: "), result.out());
            assertTrue(result.out().contains("Fix"), result.out());
        }
    }
}
