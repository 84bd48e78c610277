package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard decides from facts where each alembic session landed, before it runs a statement: neither another
 * client of the scratch database nor a second database in env.py can make lockwatch migrate a database it did
 * not create.
 */
class SessionGuardTest {
    private static final String UPGRADE = """
            op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))
            op.create_index('ix_t', 't', ['id'])
            """;

    /**
     * The multi-tenant pattern: env.py migrates every URL of a list, lockwatch's first, and swallows a tenant's
     * failure to go on with the next.
     */
    private static final String TWO_URLS = """
            from alembic import context
            from sqlalchemy import create_engine, pool

            config = context.config
            for url in [config.get_main_option("sqlalchemy.url"), "%s"]:
                try:
                    engine = create_engine(url, poolclass=pool.NullPool)
                    with engine.connect() as connection:
                        context.configure(connection=connection, target_metadata=None)
                        with context.begin_transaction():
                            context.run_migrations()
                except Exception as e:
                    print("tenant failed, next:", e)
            """;

    @TempDir
    Path dir;

    private static void recreate(String database) throws Exception {
        try (Connection c = SharedPostgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + database + " with (force)");
            s.execute("create database " + database);
        }
    }

    private static int relations(String database) throws Exception {
        try (Connection c = SharedPostgres.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                     + " where n.nspname = 'public'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String sharedUrl(String database) {
        return "postgresql://postgres:postgres@localhost:" + SharedPostgres.server().getPort() + "/" + database;
    }

    /** A monitoring agent's pattern: a session in every database of the server, every 100 ms. */
    private static Thread neighbour(AtomicBoolean stop, AtomicInteger visits) {
        Thread thread = new Thread(() -> {
            while (!stop.get()) {
                try (Connection c = SharedPostgres.connect("postgres"); Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("select datname from pg_database where datallowconn")) {
                    List<String> names = new ArrayList<>();
                    while (rs.next()) {
                        names.add(rs.getString(1));
                    }
                    for (String name : names) {
                        try (Connection visit = SharedPostgres.connect(name); Statement v = visit.createStatement()) {
                            v.execute("select 1");
                            visits.incrementAndGet();
                        } catch (Exception gone) {
                            // a scratch database being dropped
                        }
                    }
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception ignored) {
                    // keep visiting
                }
            }
        }, "neighbour");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Test
    void aNeighbourSessionInTheScratchDatabaseDoesNotLetAHardCodedDatabaseBeMigrated() throws Exception {
        recreate("lw_neighbour_target");
        AlembicProject project = AlembicProject.create(dir, "import os\nos.environ['HARDCODED'] = '"
                        + sharedUrl("lw_neighbour_target") + "'\n" + AlembicProject.ENV_FROM_VARIABLE.formatted("HARDCODED"))
                .revision("r1", null, UPGRADE);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger visits = new AtomicInteger();
        Thread thread = neighbour(stop, visits);
        Result result;
        try {
            result = Lockwatch.verify(project);
        } finally {
            stop.set(true);
            thread.join(10_000);
        }

        assertTrue(visits.get() > 0, "the neighbour visited databases");
        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("lw_neighbour_target"), "names where env.py went: " + result.err());
        assertFalse(result.err().contains("postgres:postgres@"), result.err());
        assertEquals(0, relations("lw_neighbour_target"), "nothing may be created in a database lockwatch did not create");
        assertEquals(List.of(), SharedPostgres.scratchDatabases());
    }

    /** {@link #TWO_URLS}: the other database is refused all the same, on lockwatch's own server. */
    @Test
    void aTwoUrlEnvPyOnTheEmbeddedDefaultIsStoppedBeforeTheOtherDatabase() throws Exception {
        recreate("lw_tenant_b");
        String envPy = TWO_URLS.formatted(sharedUrl("lw_tenant_b"));
        AlembicProject project = AlembicProject.create(dir, envPy).revision("r1", null, UPGRADE);

        Result result = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--postgres", "embedded",
                "--format", "json");

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("lw_tenant_b"), result.err());
        assertEquals(0, relations("lw_tenant_b"), "the second tenant is untouched");
    }

    @Test
    void aTwoUrlEnvPyIsStoppedInTheProcessPerRevisionModeToo() throws Exception {
        recreate("lw_tenant_c");
        String envPy = TWO_URLS.formatted(sharedUrl("lw_tenant_c"));
        AlembicProject project = AlembicProject.create(dir, envPy).revision("r1", null, UPGRADE);

        Result result = Lockwatch.verify(project, "--process-per-revision");

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("lw_tenant_c"), result.err());
        assertEquals(0, relations("lw_tenant_c"));
    }

    /** An alembic command whose Python does not load lockwatch's guard cannot be checked: lockwatch refuses it. */
    @Test
    void anAlembicCommandTheGuardCannotSeeIntoIsRefused() throws Exception {
        Path wrapper = dir.resolve("bin/alembic-wrapper");
        Files.createDirectories(wrapper.getParent());
        Files.writeString(wrapper, "#!/bin/sh\nunset PYTHONPATH\nexec /usr/bin/alembic \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        AlembicProject project = AlembicProject.create(dir.resolve("project")).revision("r1", null, UPGRADE);

        Result result = Lockwatch.verify(project, "--alembic", wrapper.toString());

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("cannot check where"), result.err());
        assertEquals(List.of(), SharedPostgres.scratchDatabases());
    }
}
