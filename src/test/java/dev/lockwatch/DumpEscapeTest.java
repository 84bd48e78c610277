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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain dump is SQL for psql, and psql also runs meta-commands: none may take the restore to another database
 * or run a shell command. The three escapes an audit found, and one the filter alone cannot see.
 */
class DumpEscapeTest {
    private static final String VICTIM = "lw_dump_victim";

    @TempDir
    Path dir;

    @BeforeEach
    void victim() throws Exception {
        try (Connection c = SharedPostgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + VICTIM + " with (force)");
            s.execute("create database " + VICTIM);
        }
    }

    private static int victimTables() throws Exception {
        try (Connection c = SharedPostgres.connect(VICTIM); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_tables where schemaname = 'public'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A dump at r1 with {@code middle} between its tables: the escape under test. */
    private Result restore(String head, String middle, String tail) throws Exception {
        Path dump = Files.writeString(dir.resolve("prod.sql"), head + """
                SET standard_conforming_strings = on;
                CREATE TABLE public.alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
                INSERT INTO public.alembic_version VALUES ('r1');
                """ + middle + """
                CREATE TABLE public.orders (id integer);
                """ + tail);
        AlembicProject project = AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer))")
                .revision("r2", "r1", "op.add_column('orders', sa.Column('note', sa.Text))");
        return Lockwatch.verifyFocused(project, "--restore", dump.toString());
    }

    private void assertContained(Result result, Path marker) throws Exception {
        assertFalse(Files.exists(marker), "a dump ran a shell command: " + result.describe());
        assertEquals(0, victimTables(), "the dump reached another database: " + result.describe());
        assertEquals(java.util.List.of(), SharedPostgres.scratchDatabases());
    }

    @Test
    void anIndentedConnectStaysInTheScratchDatabase() throws Exception {
        Path marker = dir.resolve("connect-marker");
        Result result = restore("", "   \\connect " + VICTIM + "\nCREATE TABLE public.escaped (id integer);\n", "");

        assertContained(result, marker);
        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(result.err().contains("psql meta-command"), "says what it left out: " + result.err());
    }

    @Test
    void aShellCommandAfterAStatementDoesNotRun() throws Exception {
        Path marker = dir.resolve("shell-marker");
        Result result = restore("", "SELECT 1; \\! touch " + marker + "\n", "");

        assertContained(result, marker);
        assertEquals(0, result.exitCode(), result.describe());
    }

    @Test
    void pgDumpsOwnRestrictStillHoldsAndAnIndentedShellCommandInsideDoesNotRun() throws Exception {
        Path marker = dir.resolve("restrict-marker");
        Result result = restore("\\restrict Ab12Cd34\n", "  \\! touch " + marker + "\n  \\connect " + VICTIM + "\n"
                + "CREATE TABLE public.escaped (id integer);\n", "\\unrestrict Ab12Cd34\n");

        assertContained(result, marker);
        assertEquals(0, result.exitCode(), result.describe());
    }

    /**
     * With standard_conforming_strings off, psql reads {@code 'x\'} as an unfinished string: a filter that lexes
     * SQL the standard way sees the meta-command inside a string. psql's own restricted mode refuses it.
     */
    @Test
    void aMetaCommandTheFilterCannotSeeIsRefusedByPsqlsRestrictedMode() throws Exception {
        Path marker = dir.resolve("hidden-marker");
        Result result = restore("", "SET standard_conforming_strings = off;\nSELECT 'x\\';\n'; \\! touch " + marker
                + "\n", "");

        assertContained(result, marker);
        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("did not restore"), result.err());
    }
}
