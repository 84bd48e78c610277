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
 * One shared Python runs every alembic command by default; one process per command is the fallback. Both
 * must observe the same thing.
 */
class AlembicProcessModesTest {
    @TempDir
    Path dir;

    private AlembicProject chain() {
        return AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))")
                .revision("r2", "r1", """
                        print("a revision that prints to stdout")
                        op.add_column('orders', sa.Column('note', sa.Text))
                        op.create_index('ix_orders_n', 'orders', ['n'])
                        """)
                .revision("r3", "r2", """
                        with op.get_context().autocommit_block():
                            op.create_index('ix_orders_note', 'orders', ['note'], postgresql_concurrently=True)
                        """);
    }

    @Test
    void theSharedInterpreterAndOneProcessPerRevisionSeeTheSameLocksAndFindings() {
        AlembicProject project = chain();

        // each revision its own command (--step), to compare the modes command by command; the fixtures' downgrades
        // are pass, which upgrading again after them fails: not what this compares
        Result shared = Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check");
        Result separate = Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check",
                "--process-per-revision");
        Result wrapped = Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check", "--alembic",
                "/usr/bin/python3 /usr/bin/alembic");

        for (Result result : List.of(shared, separate, wrapped)) {
            assertEquals(1, result.exitCode(), result.describe());
            // the index build runs while ADD COLUMN's ACCESS EXCLUSIVE is still held: listed under both statements
            assertEquals(List.of("public.orders ACCESS EXCLUSIVE", "public.orders SHARE", "public.orders ACCESS EXCLUSIVE"),
                    result.locks("r2"), result.describe());
            assertEquals(List.of("non-concurrent-index"), result.errors("r2"), result.describe());
            assertEquals(List.of("public.orders SHARE UPDATE EXCLUSIVE"), result.locks("r3"), result.describe());
            assertEquals(List.of(), result.errors("r3"), result.describe());
        }
    }

    @Test
    void aSessionThatResetsItsSettingsWaitsAtTheGatesAndIsSeenAllTheSame() {
        // RESET ALL drops the setting that has the shared interpreter's sessions report their gates in-band: the
        // rest of the revision waits at the gates for the watcher, as a separate process does
        AlembicProject project = chain().revision("r4", "r3", """
                op.execute("RESET ALL")
                op.add_column('orders', sa.Column('late', sa.Text))
                op.create_index('ix_orders_late', 'orders', ['late'])
                """);

        Result shared = Lockwatch.verify(project, "--from", "r3", "--no-downgrade-check");
        Result separate = Lockwatch.verify(project, "--from", "r3", "--no-downgrade-check", "--process-per-revision");

        for (Result result : List.of(shared, separate)) {
            assertEquals(List.of("public.orders ACCESS EXCLUSIVE", "public.orders SHARE", "public.orders ACCESS EXCLUSIVE"),
                    result.locks("r4"), result.describe());
            assertEquals(List.of("non-concurrent-index"), result.errors("r4"), result.describe());
        }
    }

    @Test
    void aStatementTooLongForPgStatActivityReadsTheSameInBothModes() {
        // lockwatch's server keeps 16 kB of a statement in pg_stat_activity; a gate the session reports itself is
        // cut the same way, between characters, so the report does not depend on whether a poll or a gate saw the
        // statement first
        AlembicProject project = chain().revision("r4", "r3",
                "op.execute(\"/* " + "é".repeat(9000) + " */ ALTER TABLE orders ADD COLUMN late text\")");

        Result shared = Lockwatch.verify(project, "--from", "r3", "--no-downgrade-check");
        Result separate = Lockwatch.verify(project, "--from", "r3", "--no-downgrade-check", "--process-per-revision");

        String sql = shared.revision("r4").get("statements").get(0).get("sql").asText();
        assertEquals(separate.revision("r4").get("statements").get(0).get("sql").asText(), sql, shared.describe());
        assertTrue(sql.startsWith("/* éé") && sql.length() < 9000, sql.length() + " characters");
        assertEquals(List.of("public.orders ACCESS EXCLUSIVE"), shared.locks("r4"), shared.describe());
    }

    @Test
    void eachRevisionStartsFromAFreshSessionInTheSharedInterpreter() {
        // r2 leaves session state behind: a lock_timeout, a temp table, a prepared statement, an advisory lock and a
        // LISTEN. The shared interpreter hands r3 the same server session, reset; r3 must see none of it, as in a
        // process of its own.
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", """
                        op.execute("SET lock_timeout = '5s'")
                        op.execute("CREATE TEMP TABLE notes (n int)")
                        op.execute("PREPARE lw_left AS SELECT 1")
                        op.execute("SELECT pg_advisory_lock(42)")
                        op.execute("LISTEN lw_left")
                        op.add_column('orders', sa.Column('a', sa.Integer))
                        """)
                .revision("r3", "r2", """
                        left = op.get_bind().exec_driver_sql(
                            "select (select count(*) from pg_prepared_statements),"
                            " (select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()),"
                            " (select count(*) from pg_listening_channels())").one()
                        assert tuple(left) == (0, 0, 0), left
                        op.execute("CREATE TEMP TABLE notes (n int)")
                        op.add_column('orders', sa.Column('b', sa.Integer))
                        """);

        // --step: each revision its own command (deployed together, r3's CREATE TEMP TABLE fails: deploy-fails-together)
        Result shared = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check", "--step");
        Result separate = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check", "--step", "--process-per-revision");

        for (Result result : List.of(shared, separate)) {
            assertEquals("applied", result.revision("r3").get("status").asText(), result.describe());
            assertEquals(List.of(), result.rules("r2"), result.describe());
            assertEquals(List.of("missing-lock-timeout"), result.rules("r3"), result.describe());
            JsonNode statements = result.revision("r3").get("statements");
            assertEquals(0, statements.get(statements.size() - 1).get("lock_timeout").asLong(), result.describe());
        }
    }

    @Test
    void aHangingRevisionIsStoppedAfterTheTimeoutInTheSharedInterpreter() {
        AlembicProject project = chain().revision("r4", "r3", "op.execute('SELECT pg_sleep(60)')")
                .revision("r5", "r4", "op.add_column('orders', sa.Column('late', sa.Text))");

        Result result = Lockwatch.verify(project, "--from", "r3", "--revision-timeout", "2");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("failed", result.revision("r4").get("status").asText());
        assertEquals("not-run", result.revision("r5").get("status").asText());
        String message = result.revision("r4").get("findings").get(0).get("message").asText();
        assertTrue(message.contains("did not finish within --revision-timeout 2 s"), message);
        assertTrue(result.revision("r4").get("duration_ms").asLong() < 20_000, "stopped near the timeout");
    }
}
