package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verified revision by revision (no --from), each revision is its own deploy: its own alembic upgrade, its own
 * transaction. Through the shared driver one run of env.py serves them in turn (lockwatch_driver.py's _Flight), each
 * committed and answered with its gates before the next is read. Each must still start as a command of its own
 * would: nothing a revision leaves in its session reaches the next.
 */
class JudgedFlightTest {
    private static final String TIMEOUT = "op.execute(\"SET lock_timeout = '3s'\")\n";

    @TempDir
    Path dir;

    @Test
    void eachRevisionIsJudgedAloneWhileOneRunOfEnvPyServesThem() throws Exception {
        Path runs = dir.resolve("env-runs.log");
        AlembicProject project = AlembicProject.create(dir.resolve("project"), """
                import os
                with open(%s, "a") as runs:
                    runs.write(os.environ.get("PGAPPNAME", "") + "\\n")
                """.formatted(DriverSessionReuseTest.pythonString(runs)) + AlembicProject.ENV_FROM_INI.formatted(""))
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True),"
                        + " sa.Column('qty', sa.Integer))")
                .revision("r2", "r1", "op.create_index('ix_orders_qty', 'orders', ['qty'])")
                .revision("r3", "r2", "op.create_table('lines', sa.Column('id', sa.Integer, primary_key=True),"
                        + " sa.Column('order_id', sa.Integer))")
                .revision("r4", "r3", "op.create_index('ix_lines_order', 'lines', ['order_id'])")
                .revision("r5", "r4", "op.add_column('lines', sa.Column('note', sa.Text))");

        Result result = Lockwatch.verify(project, "--no-downgrade-check");

        // lines is busy for r4 and r5 (it existed before each), not for r3 that made it
        assertEquals(List.of("non-concurrent-index"), result.errors("r2"), result.describe());
        assertEquals(List.of(), result.errors("r3"), result.describe());
        assertEquals(List.of("non-concurrent-index"), result.errors("r4"), result.describe());
        for (String id : List.of("r2", "r4", "r5")) {
            JsonNode statements = result.revision(id).get("statements");
            assertEquals(1, statements.size(), id + ": " + result.describe());
            assertTrue(statements.get(0).get("locks").size() > 0, id + ": " + result.describe());
        }
        long judged = Files.readAllLines(runs).stream().filter(AlembicRunner.APPLICATION_NAME::equals).count();
        assertTrue(judged <= 3, judged + " runs of env.py for 5 judged upgrades (and alembic current)");
    }

    /**
     * r2's lock_timeout, r4's temporary table and r6's advisory lock stay in their session past COMMIT: each ends
     * the flight, so r3 runs without a timeout (missing-lock-timeout, as on its own), r5 makes its temporary
     * table again, and r7 takes the advisory lock from another session.
     */
    @Test
    void whatARevisionLeavesInItsSessionDoesNotReachTheNext() {
        String otherSession = """
                import psycopg2
                other = psycopg2.connect(op.get_bind().engine.url.render_as_string(hide_password=False).replace('+psycopg2', ''))
                got = other.cursor()
                got.execute('select pg_try_advisory_lock(42)')
                assert got.fetchone()[0], 'r6 left its advisory lock held'
                other.close()
                """;
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", TIMEOUT + "op.add_column('orders', sa.Column('a', sa.Text))")
                .revision("r3", "r2", "op.add_column('orders', sa.Column('b', sa.Text))")
                .revision("r4", "r3", "op.execute('CREATE TEMP TABLE scratch (id int)')")
                .revision("r5", "r4", "op.execute('CREATE TEMP TABLE scratch (id int)')")
                .revision("r6", "r5", "op.execute('SELECT pg_advisory_lock(42)')")
                .revision("r7", "r6", otherSession);

        Result result = Lockwatch.verify(project, "--no-downgrade-check");

        for (String id : List.of("r2", "r3", "r4", "r5", "r6", "r7")) {
            assertEquals("applied", result.revision(id).get("status").asText(), id + ": " + result.describe());
        }
        assertEquals(0, result.revision("r3").get("statements").get(0).get("lock_timeout").asInt(), result.describe());
        assertEquals(1, result.findings("r3", "missing-lock-timeout").size(), result.describe());
    }
    /**
     * A function that changes a setting of its session says nothing the driver sees in the statement's text: the
     * session's settings, as r2's version-table write reports them, end the flight all the same, so r3 runs without
     * the lock_timeout r2's function left.
     */
    @Test
    void aSettingAFunctionChangedEndsTheFlightToo() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))\n"
                        + "op.execute(\"CREATE FUNCTION lw_timeout() RETURNS text LANGUAGE sql"
                        + " AS 'SELECT set_config(''lock_timeout'', ''3s'', false)'\")")
                .revision("r2", "r1", "op.execute('SELECT lw_timeout()')\n"
                        + "op.add_column('orders', sa.Column('a', sa.Text))")
                .revision("r3", "r2", "op.add_column('orders', sa.Column('b', sa.Text))");

        Result result = Lockwatch.verify(project, "--no-downgrade-check");

        assertEquals(1, result.findings("r3", "missing-lock-timeout").size(), result.describe());
        assertEquals(0, result.findings("r2", "missing-lock-timeout").size(), result.describe());
    }
}
