package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Leftovers;
import dev.lockwatch.support.SharedPostgres;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C or SIGTERM in the middle of a revision leaves no server, alembic, scratch database or temp folder. */
class InterruptCleanupTest {
    private static final Pattern PORT = Pattern.compile("\\s-p\\s+(\\d+)");

    @TempDir
    Path dir;

    private AlembicProject hangingChain() {
        return AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", "op.execute('SELECT pg_sleep(120)')");
    }

    /** Starts lockwatch as its own JVM with its temp folders under {@code tmp}; returns once r2 is sleeping. */
    private Process startAndWaitForRevision(AlembicProject project, Path tmp, String serverUrl, String... extra) throws Exception {
        Files.createDirectories(tmp);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), "dev.lockwatch.cli.Main",
                "verify", "-c", project.ini().toString(), "--from", "r1"));
        command.addAll(List.of(extra));
        Process lockwatch = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("lockwatch.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!sleeping(serverUrl != null ? serverUrl : embeddedServerUrl(tmp).orElse(null))) {
            assertTrue(lockwatch.isAlive(), "lockwatch ended early: " + Files.readString(dir.resolve("lockwatch.log")));
            assertTrue(System.nanoTime() < deadline, "revision r2 never started");
            Thread.sleep(100);
        }
        return lockwatch;
    }

    /** The embedded server lockwatch started under {@code tmp}, found by its command line. */
    private static Optional<String> embeddedServerUrl(Path tmp) {
        return ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(tmp + "/lockwatch-") && c.contains("postgres -D"))
                .map(PORT::matcher).filter(Matcher::find)
                .map(m -> "postgresql://postgres:postgres@localhost:" + m.group(1) + "/postgres")
                .findFirst();
    }

    /** Whether r2's pg_sleep runs in a lockwatch scratch database on that server. */
    private static boolean sleeping(String url) {
        if (url == null) {
            return false;
        }
        String jdbc = "jdbc:" + url.replace("postgres:postgres@", "");
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", "postgres");
             ResultSet rs = c.createStatement().executeQuery("select count(*) from pg_stat_activity"
                     + " where datname like 'lockwatch\\_%' and query like '%pg_sleep(120)%'")) {
            rs.next();
            return rs.getInt(1) > 0;
        } catch (Exception notYet) {
            return false;
        }
    }

    private static List<Long> alembicProcesses(Path tmp) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(tmp + "/lockwatch-"))
                .filter(p -> p.info().commandLine().orElse("").contains("alembic"))
                .map(ProcessHandle::pid).toList();
    }

    @Test
    void ctrlCStopsEmbeddedPostgresAlembicAndRemovesTempFolders() throws Exception {
        Path tmp = dir.resolve("tmp");
        Leftovers before = Leftovers.in(tmp.toFile());
        Process lockwatch = startAndWaitForRevision(hangingChain(), tmp, null, "--postgres", "embedded");

        new ProcessBuilder("kill", "-INT", Long.toString(lockwatch.pid())).start().waitFor();

        assertTrue(lockwatch.waitFor(60, TimeUnit.SECONDS), "lockwatch did not stop on SIGINT");
        assertNotEquals(0, lockwatch.exitValue());
        assertEquals(List.of(), alembicProcesses(tmp), "alembic left running");
        before.assertNothingNewIn(tmp.toFile());
        assertPostgresProcessesGone(tmp.toFile());
    }

    @Test
    void sigtermDropsTheScratchDatabaseOnAnExistingServer() throws Exception {
        Path tmp = dir.resolve("tmp");
        Process lockwatch = startAndWaitForRevision(hangingChain(), tmp, SharedPostgres.url(), "--server-url", SharedPostgres.url());
        assertEquals(1, scratchDatabases(), "the run's scratch database exists while it runs");

        lockwatch.destroy(); // SIGTERM

        assertTrue(lockwatch.waitFor(60, TimeUnit.SECONDS), "lockwatch did not stop on SIGTERM");
        assertEquals(0, scratchDatabases(), "scratch database left behind");
        assertEquals(List.of(), alembicProcesses(tmp), "alembic left running");
    }

    private static void assertPostgresProcessesGone(File tmp) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Leftovers.in(tmp).postgresProcesses().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(java.util.Set.of(), Leftovers.in(tmp).postgresProcesses(), "postgres left running");
    }

    private static int scratchDatabases() throws Exception {
        try (Connection c = SharedPostgres.connect("postgres");
             ResultSet rs = c.createStatement().executeQuery("select count(*) from pg_database where datname like 'lockwatch\\_%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
