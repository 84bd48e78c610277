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

/** constraint-validation, end to end: scans of existing rows while writes are blocked, and the safe patterns. */
class ConstraintValidationTest {
    private static final String FK = "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', ['customer_id'], ['id']%s)";
    private static final String DROP_FK = "op.drop_constraint('fk_orders_customer', 'orders')";
    private static final String CHECK = "op.create_check_constraint('ck_orders_qty', 'orders', 'qty > 0'%s)";
    private static final String DROP_CHECK = "op.drop_constraint('ck_orders_qty', 'orders')";
    private static final String VALIDATE = "op.execute('ALTER TABLE orders VALIDATE CONSTRAINT %s')";

    @TempDir
    Path dir;

    @Test
    void aForeignKeyWithoutNotValidScansUnderLocksOnBothTables() {
        Result result = Lockwatch.verifyOnShop(dir, FK.formatted(""), DROP_FK);

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "constraint-validation");
        assertFacts(finding, "public.orders", "SHARE ROW EXCLUSIVE", 1000, "postgresql_not_valid=True");
        assertTrue(finding.get("message").asText().contains("public.customers"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("VALIDATE CONSTRAINT fk_orders_customer"), finding.toString());
    }

    @Test
    void aCheckWithoutNotValidScansUnderAccessExclusive() {
        Result result = Lockwatch.verifyOnShop(dir, CHECK.formatted(""), DROP_CHECK);

        assertFacts(result.finding("r2", "constraint-validation"), "public.orders", "ACCESS EXCLUSIVE", 1000,
                "create_check_constraint");
    }

    @Test
    void notValidThenValidateInLaterRevisionsIsTheFix() {
        AlembicProject project = AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", FK.formatted(", postgresql_not_valid=True") + "\n"
                        + CHECK.formatted(", postgresql_not_valid=True"), DROP_CHECK + "\n" + DROP_FK)
                .revision("r3", "r2", VALIDATE.formatted("fk_orders_customer") + "\n" + VALIDATE.formatted("ck_orders_qty"), "pass");

        // shipped as separate deploys, the ADD has committed when the VALIDATE scans under SHARE UPDATE EXCLUSIVE
        Result apart = Lockwatch.verify(project, "--from", "r1", "--step");
        assertEquals(List.of(), apart.findings("r2", "constraint-validation"), apart.describe());
        assertEquals(List.of(), apart.findings("r3", "constraint-validation"), apart.describe());
        assertEquals(List.of(), apart.errors("r2"));
        assertEquals(List.of(), apart.errors("r3"));

        // deployed together in one transaction (this env.py), the VALIDATE scans under the ADD's lock: not a fix
        Result together = Lockwatch.verify(project, "--from", "r1");
        assertEquals(List.of(), together.findings("r2", "constraint-validation"), together.describe());
        assertEquals(List.of("constraint-validation"), together.errors("r3").stream().distinct().toList(),
                together.describe());
    }

    @Test
    void notValidThenValidateInTheSameTransactionStillScansUnderTheAddsLock() {
        Result result = Lockwatch.verifyOnShop(dir,
                CHECK.formatted(", postgresql_not_valid=True") + "\n" + VALIDATE.formatted("ck_orders_qty"), DROP_CHECK);

        JsonNode finding = result.finding("r2", "constraint-validation");
        assertEquals("ACCESS EXCLUSIVE", finding.get("lock").asText(), finding.toString());
    }

    @Test
    void setNotNullWithoutAProvingCheckScans() {
        Result result = Lockwatch.verifyOnShop(dir, "op.alter_column('orders', 'qty', nullable=False)",
                "op.alter_column('orders', 'qty', nullable=True)");

        JsonNode finding = result.finding("r2", "constraint-validation");
        assertFacts(finding, "public.orders", "ACCESS EXCLUSIVE", 1000, "qty IS NOT NULL");
        assertTrue(finding.get("message").asText().contains("public.orders.qty NOT NULL"), finding.toString());
    }

    @Test
    void setNotNullProvedByAValidatedCheckDoesNotScanOnPostgres12AndLater() {
        Result result = Lockwatch.verify(AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", "op.create_check_constraint('ck_qty_nn', 'orders', 'qty IS NOT NULL', postgresql_not_valid=True)",
                        "op.drop_constraint('ck_qty_nn', 'orders')")
                .revision("r3", "r2", VALIDATE.formatted("ck_qty_nn"), "pass")
                .revision("r4", "r3", """
                        op.execute("SET lock_timeout = '3s'")
                        op.alter_column('orders', 'qty', nullable=False)
                        op.drop_constraint('ck_qty_nn', 'orders')
                        """, """
                        op.create_check_constraint('ck_qty_nn', 'orders', 'qty IS NOT NULL')
                        op.alter_column('orders', 'qty', nullable=True)
                        """), "--from", "r1", "--step"); // each its own deploy: the CHECK is validated and committed

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.rules("r4"));
    }
}
