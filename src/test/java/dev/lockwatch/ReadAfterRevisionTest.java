package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When each revision is its own deploy, the next upgrade starts while lockwatch reads what the last one left (its
 * env.py, session and version table), but changes nothing before that read is done (BoundedWaitsTest: nothing of it
 * runs when the read finds a session the last one left holding a lock).
 */
class ReadAfterRevisionTest {
    @TempDir
    Path dir;

    /** A session the revision leaves holding orders once it ends, for two seconds: the read after it waits. */
    private static final String HOLDS_ORDERS_AFTER_ITS_END = """
            import threading, time, psycopg2

            def hold():
                session = psycopg2.connect("")  # lockwatch's PG* variables: the scratch database
                session.cursor().execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")  # once the revision committed
                time.sleep(2)
                session.commit()
                session.close()

            op.add_column('orders', sa.Column('r2_note', sa.Text))
            threading.Thread(target=hold).start()
            queued = sa.text("select count(*) from pg_locks l join pg_class c on c.oid = l.relation"
                             " where c.relname = 'orders' and not l.granted")
            while not op.get_bind().execute(queued).scalar():
                time.sleep(0.05)
            """;

    @Test
    void waitingForTheReadAfterTheRevisionBeforeIsNotARevisionsOwnTime() {
        AlembicProject project = AlembicProject.shop(dir.resolve("project"), "r1")
                .revision("r2", "r1", HOLDS_ORDERS_AFTER_ITS_END)
                .revision("r3", "r2", "op.add_column('customers', sa.Column('r3_note', sa.Text))");

        Result result = Lockwatch.verifyFocused(project);

        assertEquals("applied", result.revision("r2").get("status").asText(), result.describe());
        assertEquals("applied", result.revision("r3").get("status").asText(), result.describe());
        assertTrue(result.revision("r3").get("duration_ms").asLong() < 1500, result.describe());
    }

    /**
     * A session of the revision's own that reports no gate in-band (here a process of its own) writes rows to a
     * table the migration's session never touches: only the watcher's looks see it, and the read after the revision
     * counts that table again all the same (the read of what the gates reported is taken while the watcher takes its
     * last look; what the looks add is read after).
     */
    @Test
    void aTableOnlyTheWatcherSawTouchedIsReadAgainAfterTheRevision() {
        AlembicProject project = AlembicProject.shop(dir.resolve("project"), "r1")
                .revision("r2", "r1", """
                        import subprocess, sys
                        op.add_column('orders', sa.Column('r2_note', sa.Text))
                        subprocess.run([sys.executable, "-c", "import psycopg2; c = psycopg2.connect(''); "
                                        "c.cursor().execute(\\"INSERT INTO customers (id, email) SELECT g, 'x' FROM generate_series(101, 5100) g\\"); "
                                        "c.commit()"], check=True)
                        """)
                .revision("r3", "r2", "op.create_index('ix_customers_email', 'customers', ['email'])");

        Result result = Lockwatch.verifyFocused(project);

        var finding = result.revision("r3").get("findings").get(0);
        assertEquals("non-concurrent-index", finding.get("rule").asText(), result.describe());
        assertEquals(5100, finding.get("rows").asLong(), result.describe()); // 100 before r2, 5,000 more from its process
    }
}
