package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pull-request run: an unchanged baseline is restored from the cache instead of upgraded again. */
class BaselineCacheTest {
    private static final int BASELINE = 30;

    @TempDir
    Path dir;

    private AlembicProject chain(String lastBaselineBody) {
        AlembicProject project = AlembicProject.create(dir.resolve("project"))
                .revision("r000", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))");
        for (int i = 1; i < BASELINE; i++) {
            project.revision(String.format("r%03d", i), String.format("r%03d", i - 1),
                    i == BASELINE - 1 ? lastBaselineBody : "op.add_column('orders', sa.Column('c%d', sa.Integer))".formatted(i));
        }
        return project.revision("new", String.format("r%03d", BASELINE - 1), "op.create_index('ix_orders_n', 'orders', ['n'])");
    }

    private Result verify(AlembicProject project) {
        return Lockwatch.run("verify", "-c", project.ini().toString(), "--from", String.format("r%03d", BASELINE - 1),
                "--postgres", "embedded", "--cache-dir", dir.resolve("cache").toString(), "--format", "json");
    }

    @Test
    void theSecondRunStartsFromTheSavedBaselineAndFindsTheSame() {
        AlembicProject project = chain("pass");

        Result first = verify(project);
        Result second = verify(project);

        assertTrue(first.err().contains("baseline: saved to the cache"), first.err());
        assertTrue(second.err().contains("restored from the cache"), second.err());
        assertFalse(second.err().contains("alembic upgrade r0"), second.err());
        assertEquals(1, second.exitCode(), second.describe());
        assertEquals(first.rules("new"), second.rules("new"));
        assertEquals(first.locks("new"), second.locks("new"));
    }

    @Test
    void aChangedBaselineFileIsNotRestored() {
        Result first = verify(chain("pass"));
        Result changed = verify(chain("op.add_column('orders', sa.Column('changed', sa.Integer))"));

        assertTrue(first.err().contains("saved to the cache"), first.err());
        assertFalse(changed.err().contains("restored from the cache"), changed.err());
        assertEquals(1, changed.exitCode(), changed.describe());
    }

    @Test
    void aChangedFileABaselineRevisionReadsIsNotRestored() {
        String readsSql = """
                import os
                op.execute(open(os.path.join(os.path.dirname(__file__), "..", "sql", "seed.sql")).read())
                """;
        AlembicProject project = chain(readsSql).write("migrations/sql/seed.sql", "CREATE TABLE audit (id int)");
        Result first = verify(project);
        project.write("migrations/sql/seed.sql", "CREATE TABLE audit (id int, note text)");
        Result changed = verify(project);

        assertTrue(first.err().contains("saved to the cache"), first.err());
        assertFalse(changed.err().contains("restored from the cache"), changed.err());
    }

    @Test
    void aDamagedEntryIsDiscardedAndRebuiltWithANote() throws Exception {
        AlembicProject project = chain("pass");
        Result first = verify(project);
        try (var files = java.nio.file.Files.walk(dir.resolve("cache"))) {
            for (Path control : files.filter(p -> p.endsWith(Path.of("global", "pg_control"))).toList()) {
                java.nio.file.Files.write(control, new byte[] {1, 2, 3});
            }
        }

        Result second = verify(project);

        assertTrue(first.err().contains("saved to the cache"), first.err());
        assertTrue(second.err().contains("is damaged"), second.err());
        assertTrue(second.err().contains("saved to the cache"), second.err());
        assertEquals(first.rules("new"), second.rules("new"), second.describe());
    }

    /** A saved data folder the server starts from, without the database the entry names: discarded, not fatal. */
    @Test
    void anEntryWhoseDatabaseIsMissingIsDiscardedAndRebuiltWithANote() throws Exception {
        AlembicProject project = chain("pass");
        Result first = verify(project);
        try (var files = java.nio.file.Files.walk(dir.resolve("cache"))) {
            for (Path database : files.filter(p -> p.getFileName().toString().equals("database")
                    && java.nio.file.Files.isRegularFile(p)).toList()) {
                java.nio.file.Files.writeString(database, "lockwatch_000000000000");
            }
        }

        Result second = verify(project);
        Result third = verify(project);

        assertTrue(first.err().contains("saved to the cache"), first.err());
        assertEquals(1, second.exitCode(), second.describe());
        assertTrue(second.err().contains("is damaged (its data folder has no database lockwatch_000000000000)"),
                second.err());
        assertTrue(second.err().contains("saved to the cache"), second.err());
        assertEquals(first.rules("new"), second.rules("new"), second.describe());
        assertTrue(third.err().contains("restored from the cache"), third.err());
        assertEquals(first.rules("new"), third.rules("new"), third.describe());
    }

    @Test
    void noCacheNeitherReadsNorWrites() {
        AlembicProject project = chain("pass");
        verify(project);

        Result result = Lockwatch.run("verify", "-c", project.ini().toString(), "--from", String.format("r%03d", BASELINE - 1),
                "--postgres", "embedded", "--cache-dir", dir.resolve("cache").toString(), "--no-cache");

        assertFalse(result.err().contains("cache"), result.err());
        assertEquals(1, result.exitCode(), result.describe());
    }
}
