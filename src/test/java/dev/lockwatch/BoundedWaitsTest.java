package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --revision-timeout bounds everything a revision makes lockwatch wait for, its own catalog reads included. */
class BoundedWaitsTest {
    @TempDir
    Path dir;

    @Test
    void aRevisionHoldingALockFromASecondConnectionEndsWithinTheTimeout() {
        AlembicProject project = AlembicProject.shop(dir.resolve("project"), "r1").revision("r2", "r1", """
                import builtins, psycopg2
                held = psycopg2.connect("")  # lockwatch's PG* variables: the scratch database
                held.cursor().execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
                builtins.lockwatch_test_held = held  # idle in transaction, never closed
                op.add_column('customers', sa.Column('note', sa.Text))
                """).revision("r3", "r2", "op.add_column('orders', sa.Column('late', sa.Text))");

        long started = System.nanoTime();
        Result result = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> Lockwatch.verifyFocused(project, "--from", "r1", "--revision-timeout", "5"));
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

        assertEquals(1, result.exitCode(), result.describe());
        String error = result.revision("r2").get("error").asText();
        assertTrue(error.contains("public.orders") && error.contains("--revision-timeout 5 s"), result.describe());
        assertEquals("not-run", result.revision("r3").get("status").asText(), result.describe());
        assertTrue(seconds < 60, "took " + seconds + " s");
    }

    @Test
    void aRevisionLeavingASessionThatHoldsALockStopsTheChainWhenEachRevisionIsItsOwnDeploy() {
        AlembicProject project = AlembicProject.shop(dir.resolve("project"), "r1").revision("r2", "r1", """
                import threading, time, psycopg2

                def hold():
                    held = psycopg2.connect("")  # lockwatch's PG* variables: the scratch database
                    held.cursor().execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")  # queued behind the revision
                    threading.Event().wait()  # idle in transaction, never closed

                op.add_column('orders', sa.Column('memo', sa.Text))  # the revision's own ACCESS EXCLUSIVE
                threading.Thread(target=hold, daemon=True).start()
                # once the thread's LOCK waits in the queue, it is granted at this revision's commit, ahead of
                # lockwatch's read after the revision, which queues behind it
                while not op.get_bind().exec_driver_sql("select exists (select from pg_locks where not granted "
                                                        "and relation = 'orders'::regclass)").scalar():
                    time.sleep(0.01)
                """).revision("r3", "r2", """
                open(%s, "w").close()  # the next upgrade starts while the read after r2 waits: it must not get here
                op.add_column('customers', sa.Column('late', sa.Text))
                """.formatted("'" + dir.resolve("r3-ran") + "'"))
                .revision("r4", "r3", "op.add_column('customers', sa.Column('later', sa.Text))");

        Result result = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> Lockwatch.verifyFocused(project, "--revision-timeout", "5"));

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("failed", result.revision("r2").get("status").asText(), result.describe());
        String error = result.revision("r2").get("error").asText();
        assertTrue(error.contains("public.orders") && error.contains("--revision-timeout 5 s"), result.describe());
        assertEquals("not-run", result.revision("r3").get("status").asText(), result.describe());
        assertEquals("not-run", result.revision("r4").get("status").asText(), result.describe());
        assertFalse(java.nio.file.Files.exists(dir.resolve("r3-ran")), "r3 ran: " + result.describe());
    }

    @Test
    void aRevisionWaitingForALockOnASecondConnectionOfItsOwnPointsAtTheWaitingStatement() throws java.io.IOException {
        AlembicProject project = AlembicProject.shop(dir.resolve("project"), "r1").revision("r2", "r1", """
                import builtins, psycopg2
                held = psycopg2.connect("")  # lockwatch's PG* variables: the scratch database
                held.cursor().execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
                builtins.lockwatch_test_held = held  # idle in transaction, never closed
                op.add_column('orders', sa.Column('memo', sa.Text))  # waits for the lock above: never gets it
                """);

        Result result = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> Lockwatch.verifyFocused(project, "--from", "r1", "--revision-timeout", "5"));

        assertEquals(1, result.exitCode(), result.describe());
        var finding = result.revision("r2").get("findings").get(0);
        assertEquals("migration-failed", finding.get("rule").asText(), result.describe());
        String message = finding.get("message").asText();
        assertTrue(message.contains("ALTER TABLE orders ADD COLUMN memo TEXT was still waiting for ACCESS EXCLUSIVE "
                + "on public.orders, "), result.describe());
        // the LOCK TABLE is named when the watcher saw it: no gate reports a statement on a connection of the
        // revision's own, only polls can (one loaded full run in seven had none), and "another session" is true too
        assertTrue(message.contains("on which the revision's own LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
                || message.endsWith("which another session held"), result.describe());
        assertEquals("public.orders", finding.get("table").asText(), result.describe());
        // as it stood at the timeout: ending alembic closes the connection that held the lock, which lets it through
        var waited = result.revision("r2").get("statements").findValues("locks").stream()
                .flatMap(locks -> java.util.stream.StreamSupport.stream(locks.spliterator(), false))
                .filter(lock -> !lock.get("granted").asBoolean()).toList();
        assertEquals(1, waited.size(), result.describe());
        assertTrue(waited.get(0).get("held_ms").asLong() >= 3000, result.describe());
        String line = java.nio.file.Files.readAllLines(project.root().resolve(finding.get("file").asText()))
                .get(finding.get("line").asInt() - 1);
        assertTrue(line.contains("op.add_column('orders'"), line);
    }
}
