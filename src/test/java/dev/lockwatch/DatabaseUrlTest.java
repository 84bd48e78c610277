package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Alembic reaches lockwatch's scratch database both ways users configure it, and never another one. */
class DatabaseUrlTest {
    private static final String UPGRADE = "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))";

    @TempDir
    Path dir;

    @Test
    void envPyReadingTheIniUrlRunsOnTheScratchDatabaseAndTheProjectIsUntouched() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, UPGRADE);
        String before = project.fingerprint();

        Result result = Lockwatch.verify(project);

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("applied", result.revision("r1").get("status").asText());
        assertEquals(before, project.fingerprint(), "lockwatch must leave no file in the project");
    }

    @Test
    void envPyReadingDatabaseUrlWorks() {
        AlembicProject project = AlembicProject.create(dir, AlembicProject.ENV_FROM_VARIABLE.formatted("DATABASE_URL"))
                .revision("r1", null, UPGRADE);

        Result result = Lockwatch.verify(project);

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("applied", result.revision("r1").get("status").asText());
    }

    @Test
    void theVariableNameIsConfigurable() {
        AlembicProject project = AlembicProject.create(dir, AlembicProject.ENV_FROM_VARIABLE.formatted("SHOP_DB_URL"))
                .revision("r1", null, UPGRADE);

        Result result = Lockwatch.verify(project, "--url-env", "SHOP_DB_URL");

        assertEquals(0, result.exitCode(), result.describe());
    }

    @Test
    void anEnvPyThatConnectsElsewhereIsRefusedBeforeAnythingIsMigrated() throws Exception {
        try (Connection c = SharedPostgres.connect("postgres")) {
            c.createStatement().execute("drop database if exists someone_elses");
            c.createStatement().execute("create database someone_elses");
        }
        String elsewhere = "postgresql://postgres:postgres@localhost:" + SharedPostgres.server().getPort() + "/someone_elses";
        AlembicProject project = AlembicProject.create(dir, AlembicProject.ENV_FROM_VARIABLE.formatted("HARDCODED"))
                .revision("r1", null, UPGRADE);
        project.write("migrations/env.py", "import os\nos.environ['HARDCODED'] = '" + elsewhere + "'\n"
                + AlembicProject.ENV_FROM_VARIABLE.formatted("HARDCODED"));

        Result result = Lockwatch.verify(project);

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("env.py did not connect to lockwatch's database"), result.err());
        assertEquals(1, result.err().strip().lines().filter(l -> l.contains("env.py")).count());
        try (Connection c = SharedPostgres.connect("someone_elses");
             ResultSet rs = c.createStatement().executeQuery("select count(*) from pg_tables where schemaname = 'public'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "nothing may be created in a database lockwatch did not create");
        }
    }

    @Test
    void theScratchDatabaseIsDroppedAfterTheRun() throws Exception {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, UPGRADE);

        Result result = Lockwatch.verify(project);

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), SharedPostgres.scratchDatabases());
        assertFalse(result.err().contains("postgres:postgres@"), "passwords are never printed: " + result.err());
    }
}
