package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Leftovers;
import dev.lockwatch.support.LockwatchProcess;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM at 30 random moments of a run, from the JVM's start to the end of the first revision: whatever lockwatch
 * was creating at that moment (temp folder, alembic driver, scratch database, embedded server) is gone afterwards.
 * Runs go five at a time, so each case stays around a minute on an idle machine.
 */
class SignalAtAnyMomentTest {
    private static final int MOMENTS = 30;
    private static final int AT_ONCE = 5;

    @TempDir
    Path dir;

    private AlembicProject chain() {
        return AlembicProject.shop(dir.resolve("project"), "r1")
                .revision("r2", "r1", "op.add_column('orders', sa.Column('extra', sa.Text))");
    }

    @Test
    void sigtermAtRandomMomentsOfAServerUrlRunLeavesNoDatabaseProcessOrTempFolder() throws Exception {
        AlembicProject project = chain();
        List<String> before = SharedPostgres.scratchDatabases();
        Path tmp = dir.resolve("tmp-server");
        signalAtRandomMoments(tmp, "", 4500, "verify", "-c", project.ini().toString(), "--from", "r1", "--no-cache",
                "--server-url", SharedPostgres.url());
        assertEquals(before, SharedPostgres.scratchDatabases(), "scratch database left behind");
    }

    /**
     * The moment a random signal rarely hits: the round trip's copy of the baseline ({@code CREATE DATABASE
     * <scratch>_b TEMPLATE <scratch>}), held in flight by a transaction that commented on the scratch database (a
     * lock CREATE DATABASE waits for). SIGTERM arrives while the copy waits, the copy then finishes, and neither it
     * nor the scratch database may remain (CI once found {@code _b} left behind).
     */
    @Test
    void sigtermWhileTheBaselineCopyIsBeingMadeLeavesNeitherDatabase() throws Exception {
        AlembicProject project = chain();
        List<String> before = SharedPostgres.scratchDatabases();
        LockwatchProcess child = new LockwatchProcess(dir.resolve("tmp-copy"), dir.resolve("copy.log"), "verify", "-c",
                project.ini().toString(), "--from", "r1", "--no-cache", "--server-url", SharedPostgres.url());
        Process lockwatch = child.start();
        try (Connection blocker = SharedPostgres.connect("postgres"); Statement s = blocker.createStatement();
             Connection watch = SharedPostgres.connect("postgres"); Statement w = watch.createStatement()) {
            String scratch = awaitScratchDatabase(before, lockwatch, child);
            blocker.setAutoCommit(false);
            s.execute("comment on database " + scratch + " is 'holds CREATE DATABASE ... TEMPLATE " + scratch + "'");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!copyWaiting(w, scratch)) { // not in the blocker's transaction: it would read one snapshot
                assertTrue(lockwatch.isAlive() && System.nanoTime() < deadline, "the copy never started: " + child.output());
                Thread.sleep(20);
            }
            new ProcessBuilder("kill", "-TERM", Long.toString(lockwatch.pid())).start().waitFor();
            Thread.sleep(1000); // the shutdown hook is running, and waits for the copy
            blocker.commit();
        }
        assertTrue(lockwatch.waitFor(120, TimeUnit.SECONDS), "lockwatch did not stop on SIGTERM: " + child.output());
        assertEquals(before, SharedPostgres.scratchDatabases(), "a database left behind: " + child.output());
    }

    private static String awaitScratchDatabase(List<String> before, Process lockwatch, LockwatchProcess child)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            List<String> now = new ArrayList<>(SharedPostgres.scratchDatabases());
            now.removeAll(before);
            if (!now.isEmpty()) {
                return now.get(0);
            }
            assertTrue(lockwatch.isAlive() && System.nanoTime() < deadline, "no scratch database: " + child.output());
            Thread.sleep(20);
        }
    }

    /** Whether a session waits for a lock in {@code CREATE DATABASE <scratch>_b TEMPLATE <scratch>}. */
    private static boolean copyWaiting(Statement s, String scratch) throws Exception {
        try (ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                + "and query ilike 'create database " + scratch + "\\_b template%'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    @Test
    void sigtermAtRandomMomentsOfAnEmbeddedStartLeavesNoProcessOrTempFolder() throws Exception {
        AlembicProject project = chain();
        signalAtRandomMoments(dir.resolve("tmp-embedded"), "postgres: starting embedded", 1500, "verify", "-c", project.ini().toString(), "--from", "r1",
                "--no-cache", "--postgres", "embedded");
    }

    /**
     * Starts the runs {@value #AT_ONCE} at a time and sends each SIGTERM at a random moment within {@code withinMs}
     * of the first line of its output that contains {@code from} ("" for the JVM's start).
     */
    private void signalAtRandomMoments(Path tmp, String from, int withinMs, String... args) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Leftovers before = Leftovers.in(tmp.toFile());
        for (int batch = 0; batch < MOMENTS / AT_ONCE; batch++) {
            List<Process> running = new ArrayList<>();
            List<LockwatchProcess> children = new ArrayList<>();
            long[] due = new long[AT_ONCE];
            int[] delays = new int[AT_ONCE];
            for (int i = 0; i < AT_ONCE; i++) {
                LockwatchProcess child = new LockwatchProcess(tmp, dir.resolve("run-" + batch + "-" + i + ".log"), args);
                children.add(child);
                running.add(child.start());
                delays[i] = random.nextInt(withinMs);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (int signalled = 0; signalled < AT_ONCE && System.nanoTime() < deadline; Thread.sleep(5)) {
                for (int i = 0; i < AT_ONCE; i++) {
                    if (due[i] == 0 && children.get(i).output().contains(from)) {
                        due[i] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delays[i]);
                    }
                    if (due[i] > 0 && due[i] != Long.MAX_VALUE && System.nanoTime() >= due[i]) {
                        new ProcessBuilder("kill", "-TERM", Long.toString(running.get(i).pid())).start().waitFor();
                        due[i] = Long.MAX_VALUE;
                        signalled++;
                    } else if (due[i] == 0 && !running.get(i).isAlive()) {
                        due[i] = Long.MAX_VALUE; // ended before the moment came: nothing to signal
                        signalled++;
                    }
                }
            }
            for (int i = 0; i < AT_ONCE; i++) {
                assertTrue(running.get(i).waitFor(120, TimeUnit.SECONDS), "lockwatch did not stop on SIGTERM (seed "
                        + seed + "): " + children.get(i).output());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Leftovers.in(tmp.toFile()).postgresProcesses().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        before.assertNothingNewIn(tmp.toFile());
        assertEquals(Set.of(), Leftovers.in(tmp.toFile()).postgresProcesses(), "processes left running (seed " + seed + ")");
    }
}
