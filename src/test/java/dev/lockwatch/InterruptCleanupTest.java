package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Leftovers;
import dev.lockwatch.support.LockwatchProcess;
import dev.lockwatch.support.SharedPostgres;
import dev.lockwatch.support.TestDocker;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ctrl-C or SIGTERM in the middle of a revision leaves no Postgres process, container, alembic, scratch
 * database or temp folder.
 */
class InterruptCleanupTest {
    @TempDir
    Path dir;

    /** lockwatch as its own JVM, stopped while its alembic child runs r2's pg_sleep. */
    private record Running(Process lockwatch, List<ProcessHandle> alembic, LockwatchProcess child) {

        void signal(String name) throws Exception {
            new ProcessBuilder("kill", "-" + name, Long.toString(lockwatch.pid())).start().waitFor();
            assertTrue(lockwatch.waitFor(60, TimeUnit.SECONDS), "lockwatch did not stop on SIG" + name);
            assertNotEquals(0, lockwatch.exitValue());
        }

        void assertAlembicGone() throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (alembic.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(List.of(), alembic.stream().filter(ProcessHandle::isAlive).toList(), "alembic left running");
        }
    }

    private AlembicProject hangingChain() {
        return AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", "op.execute('SELECT pg_sleep(120)')");
    }

    /** Starts lockwatch with its temp folders under {@code tmp} and waits until its alembic runs r2. */
    private Running startAndWaitForRevision(AlembicProject project, Path tmp, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("verify", "-c", project.ini().toString(), "--from", "r1", "--no-cache"));
        args.addAll(List.of(extra));
        LockwatchProcess child = new LockwatchProcess(tmp, dir.resolve("lockwatch.log"), args.toArray(String[]::new));
        Process lockwatch = child.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<ProcessHandle> alembic;
        // r2 runs once the baseline is applied: in the shared alembic driver, or in an `alembic upgrade r2` process
        while ((alembic = alembic(lockwatch)).isEmpty() || !child.output().contains("baseline: alembic upgrade r1")) {
            assertTrue(lockwatch.isAlive(), "lockwatch ended early: " + child.output());
            assertTrue(System.nanoTime() < deadline, "revision r2 never started: " + child.output());
            Thread.sleep(100);
        }
        Thread.sleep(1500); // past the baseline, inside the revision's pg_sleep(120)
        return new Running(lockwatch, alembic(lockwatch), child);
    }

    /** The alembic processes this lockwatch started (other test runs on the machine have their own). */
    private static List<ProcessHandle> alembic(Process lockwatch) {
        return lockwatch.descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("alembic"))
                .toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalStopsEmbeddedPostgresAlembicAndRemovesTempFolders(String signal) throws Exception {
        Path tmp = dir.resolve("tmp");
        Leftovers before = Leftovers.in(tmp.toFile());
        Running run = startAndWaitForRevision(hangingChain(), tmp, "--postgres", "embedded");
        assertFalse(Leftovers.in(tmp.toFile()).postgresProcesses().isEmpty(), "the embedded server runs under " + tmp);

        run.signal(signal);

        run.assertAlembicGone();
        before.assertNothingNewIn(tmp.toFile());
        assertPostgresProcessesGone(tmp.toFile());
        assertTrue(run.child().output().contains("interrupted: stopping alembic"), run.child().output());
    }

    @Test
    void sigtermDropsTheScratchDatabaseOnAnExistingServer() throws Exception {
        Running run = startAndWaitForRevision(hangingChain(), dir.resolve("tmp"), "--server-url", SharedPostgres.url());
        // the scratch database; once the baseline is applied, the round trip's copy of it (_b) and the stairway's
        // database made from that copy
        long databases = SharedPostgres.scratchDatabases().stream().filter(d -> !d.endsWith("_b")).count();
        assertTrue(databases == 1 || databases == 2,
                "the run's scratch databases exist while it runs: " + SharedPostgres.scratchDatabases());

        run.signal("TERM");

        assertEquals(List.of(), SharedPostgres.scratchDatabases(), "scratch database left behind");
        run.assertAlembicGone();
    }

    @Test
    void ctrlCRemovesTheContainer() throws Exception {
        TestDocker.assumeAvailable();
        Path tmp = dir.resolve("tmp");
        Leftovers before = Leftovers.in(tmp.toFile());
        Running run = startAndWaitForRevision(hangingChain(), tmp, "--postgres", "container", "--image", TestDocker.IMAGE);
        String container = TestDocker.containerOf(run.child().output());
        assertTrue(TestDocker.containers().contains(container), "container " + container + " runs during the revision");

        run.signal("INT");

        run.assertAlembicGone();
        assertFalse(TestDocker.containers().contains(container), "container " + container + " left behind");
        before.assertNothingNewIn(tmp.toFile());
    }

    private static void assertPostgresProcessesGone(File tmp) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Leftovers.in(tmp).postgresProcesses().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(java.util.Set.of(), Leftovers.in(tmp).postgresProcesses(), "postgres left running");
    }
}
