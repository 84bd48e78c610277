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

/** invalid-index, end to end: a concurrent build that failed leaves an index with indisvalid = false. */
class InvalidIndexTest {
    private static final String UNIQUE = "op.create_index('ux_orders_customer', 'orders', ['customer_id'], unique=True, "
            + "postgresql_concurrently=True)";
    private static final String DROP = "op.drop_index('ux_orders_customer', table_name='orders')";

    @TempDir
    Path dir;

    @Test
    void aFailedConcurrentBuildWhoseErrorTheRevisionSwallowedLeavesAnInvalidIndex() {
        Result result = Lockwatch.verifyOnShop(dir, """
                with op.get_context().autocommit_block():
                    try:
                        %s
                    except Exception:
                        pass
                """.formatted(UNIQUE), DROP);

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("applied", result.revision("r2").get("status").asText());
        JsonNode finding = result.finding("r2", "invalid-index");
        assertEquals("error", finding.get("severity").asText());
        assertEquals("public.orders", finding.get("table").asText());
        assertEquals(1000, finding.get("rows").asLong());
        assertTrue(finding.get("message").asText().contains("ux_orders_customer"), finding.toString());
        assertTrue(finding.get("statement").asText().contains("CREATE UNIQUE INDEX CONCURRENTLY ux_orders_customer"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("DROP INDEX CONCURRENTLY IF EXISTS ux_orders_customer"), finding.toString());
    }

    @Test
    void aFailedConcurrentBuildThatFailsTheRevisionIsReportedToo() {
        Result result = Lockwatch.verifyOnShop(dir, "with op.get_context().autocommit_block():\n    " + UNIQUE, DROP);

        assertEquals(List.of("migration-failed", "invalid-index"), result.errors("r2"));
    }

    @Test
    void aConcurrentBuildThatSucceedsLeavesAValidIndex() {
        String unique = UNIQUE.replace("['customer_id']", "['id', 'customer_id']");
        Result result = Lockwatch.verifyOnShop(dir, "with op.get_context().autocommit_block():\n    " + unique,
                DROP);

        assertEquals(0, result.exitCode(), result.describe());
        // valid, so no invalid-index; built without dropping a failed build's remnant first, so not retry-safe
        assertEquals(List.of("retry-unsafe"), result.rules("r2"), result.describe());
    }
}
