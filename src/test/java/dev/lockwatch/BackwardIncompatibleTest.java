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

/** backward-incompatible, end to end: what the old application, still running during the deploy, cannot survive. */
class BackwardIncompatibleTest {
    @TempDir
    Path dir;

    private Result verify(String upgrade, String downgrade) {
        AlembicProject project = AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", "op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))",
                        "op.drop_table('audit')")
                .revision("r3", "r2", "op.execute(\"SET lock_timeout = '3s'\")\n" + upgrade, downgrade);
        return Lockwatch.verify(project, "--from", "r2");
    }

    private static String message(Result result) {
        return result.finding("r3", "backward-incompatible").get("message").asText();
    }

    @Test
    void droppingAColumnBreaksTheOldCode() {
        Result result = verify("op.drop_column('orders', 'note')", "op.add_column('orders', sa.Column('note', sa.String(20)))");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r3", "backward-incompatible");
        assertFacts(finding, "public.orders", "ACCESS EXCLUSIVE", 1000, "later");
        assertTrue(finding.get("message").asText().contains("public.orders.note was dropped"), finding.toString());
    }

    @Test
    void renamingAColumnIsToldAsARename() {
        Result result = verify("op.alter_column('orders', 'note', new_column_name='remark')",
                "op.alter_column('orders', 'remark', new_column_name='note')");

        assertTrue(message(result).contains("public.orders.note was renamed to remark"), result.describe());
    }

    @Test
    void renamingAndDroppingTables() {
        Result renamed = verify("op.rename_table('customers', 'clients')", "op.rename_table('clients', 'customers')");
        assertTrue(message(renamed).contains("public.customers was renamed to public.clients"), renamed.describe());

        Result dropped = verify("op.drop_table('audit')", "op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))");
        assertTrue(message(dropped).contains("public.audit was dropped"), dropped.describe());
    }

    @Test
    void anIncompatibleTypeChange() {
        Result result = verify("op.alter_column('orders', 'qty', type_=sa.String(10))",
                "op.alter_column('orders', 'qty', type_=sa.Integer, postgresql_using='qty::integer')");

        assertTrue(message(result).contains("changed type from integer to character varying(10)"), result.describe());
    }

    @Test
    void aNotNullColumnWithoutDefault() {
        Result result = verify("op.add_column('audit', sa.Column('actor', sa.String(50), nullable=False))",
                "op.drop_column('audit', 'actor')");

        assertTrue(message(result).contains("NOT NULL column public.audit.actor was added without a default"), result.describe());
    }

    @Test
    void compatibleChangesAreNotFlagged() {
        Result result = verify("""
                op.add_column('orders', sa.Column('status', sa.String(10)))
                op.add_column('orders', sa.Column('channel', sa.String(10), nullable=False, server_default='web'))
                op.alter_column('orders', 'note', type_=sa.String(50))
                """, """
                op.alter_column('orders', 'note', type_=sa.String(20))
                op.drop_column('orders', 'channel')
                op.drop_column('orders', 'status')
                """);

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.rules("r3"));
    }
}
