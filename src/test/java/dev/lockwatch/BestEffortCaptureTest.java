package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Best-effort capture (a role that is not a superuser: no event triggers, polling pg_locks alone) reports only
 * what it saw: polling can miss a short statement, and an error must not stand on a lock nobody observed.
 */
class BestEffortCaptureTest {
    private static String url;

    @TempDir
    Path dir;

    @BeforeAll
    static void role() throws Exception {
        url = SharedPostgres.nonSuperuserUrl("lw_best_effort", "best-effort-pw");
    }

    /** The README's recommended VALIDATE-later pair, then a plain index build long enough for polling to see. */
    private AlembicProject chain() {
        return AlembicProject.create(dir)
                .revision("r1", null, """
                        op.create_table('customers', sa.Column('id', sa.Integer, primary_key=True))
                        op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True),
                                        sa.Column('customer_id', sa.Integer), sa.Column('n', sa.Integer))
                        op.execute('INSERT INTO customers (id) SELECT g FROM generate_series(1, 1000) g')
                        op.execute('INSERT INTO orders (customer_id, n) SELECT g % 1000 + 1, g % 977 FROM generate_series(1, 300000) g')
                        """)
                .revision("r2", "r1", "op.create_foreign_key('fk_orders_customer', 'orders', 'customers', "
                        + "['customer_id'], ['id'], postgresql_not_valid=True)")
                .revision("r3", "r2", "op.execute('ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer')")
                .revision("r4", "r3", "op.create_index('ix_orders_n', 'orders', ['n'])");
    }

    /**
     * An index build on a small table lasts a millisecond or two, far too short for polling to see reliably; the
     * migration's session reports the SHARE lock it holds after the statement, so the finding never depends on luck.
     */
    @Test
    void aShortIndexBuildPollingCannotSeeIsFoundEveryTime() {
        AlembicProject project = AlembicProject.create(dir.resolve("short"))
                .revision("r1", null, """
                        op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        op.execute('INSERT INTO orders (n) SELECT g FROM generate_series(1, 10) g')
                        """)
                .revision("r2", "r1", "op.create_index('ix_orders_n', 'orders', ['n'])");
        for (int run = 1; run <= 5; run++) {
            Result result = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--from", "r1",
                    "--server-url", url, "--format", "json");

            assertEquals(1, result.exitCode(), "run " + run + ": " + result.describe());
            assertEquals("best-effort", result.json().get("postgres").get("capture").asText());
            assertEquals(List.of("non-concurrent-index"), result.errors("r2"), "run " + run + ": " + result.describe());
            assertTrue(result.locks("r2").contains("public.orders SHARE"), "run " + run + ": " + result.locks("r2"));
        }
    }

    @Test
    void theValidateLaterPairIsNeverAnErrorAndThePlainIndexBuildStillIs() {
        AlembicProject project = chain();
        for (int run = 1; run <= 5; run++) {
            Result result = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--from", "r1",
                    "--server-url", url, "--format", "json");

            assertEquals(1, result.exitCode(), "run " + run + ": " + result.describe());
            assertEquals("best-effort", result.json().get("postgres").get("capture").asText());
            for (String revision : List.of("r2", "r3")) {
                for (JsonNode finding : result.revision(revision).get("findings")) {
                    assertTrue(!finding.get("rule").asText().equals("constraint-validation")
                                    || !finding.get("severity").asText().equals("error"),
                            "run " + run + ": an error polling did not observe: " + finding);
                }
            }
            assertTrue(result.rules("r4").contains("non-concurrent-index"), "run " + run + ": " + result.describe());
        }
    }
}
