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

/** foreign-key-without-index, end to end: a new foreign key whose referencing columns lead no index. */
class ForeignKeyWithoutIndexTest {
    private static final String FK = "op.execute(\"SET lock_timeout = '3s'\")\n"
            + "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id'], postgresql_not_valid=True)";
    private static final String DROP_FK = "op.drop_constraint('fk_orders_customer', 'orders')";
    private static final String SHIPMENTS = """
            op.execute("SET lock_timeout = '3s'")
            op.create_table('shipments', sa.Column('id', sa.Integer, primary_key=True),
                            sa.Column('order_id', sa.Integer, sa.ForeignKey('orders.id', name='fk_shipments_order')))
            """;

    @TempDir
    Path dir;

    @Test
    void aForeignKeyWithoutAnIndexIsAWarning() {
        Result result = Lockwatch.verifyOnShop(dir, FK, DROP_FK);

        assertEquals(0, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "foreign-key-without-index");
        assertEquals("warning", finding.get("severity").asText());
        assertEquals("public.orders", finding.get("table").asText());
        assertEquals(1000, finding.get("rows").asLong());
        assertTrue(finding.get("statement").asText().contains("fk_orders_customer"), finding.toString());
        assertTrue(finding.get("message").asText().contains("public.customers"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("op.create_index('ix_orders_customer_id', 'orders', ['customer_id'], "
                + "postgresql_concurrently=True)"), finding.toString());
    }

    @Test
    void anIndexBuiltConcurrentlyInAnEarlierRevisionCovers() {
        Result result = Lockwatch.verify(AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", """
                        with op.get_context().autocommit_block():
                            op.create_index('ix_orders_customer_id', 'orders', ['customer_id'], postgresql_concurrently=True)
                        """, "op.drop_index('ix_orders_customer_id', table_name='orders')")
                .revision("r3", "r2", FK, DROP_FK), "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.rules("r3"));
    }

    @Test
    void aNewTableNeedsAnIndexOnItsForeignKeyToo() {
        Result without = Lockwatch.verifyOnShop(dir, SHIPMENTS, "op.drop_table('shipments')");
        assertEquals("public.shipments", without.finding("r2", "foreign-key-without-index").get("table").asText());

        Result with = Lockwatch.verifyOnShop(dir,
                SHIPMENTS + "op.create_index('ix_shipments_order_id', 'shipments', ['order_id'])", "op.drop_table('shipments')");
        assertEquals(0, with.exitCode(), with.describe());
        assertEquals(List.of(), with.rules("r2"), "an index on a table created in the same revision blocks nobody");
    }
}
