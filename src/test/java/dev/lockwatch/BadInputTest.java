package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: a one-line error that says what to fix, and the documented exit status. */
class BadInputTest {
    @TempDir
    Path dir;

    private AlembicProject chain() {
        return AlembicProject.create(dir)
                .revision("aaa111", null, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("bbb222", "aaa111", "op.add_column('t', sa.Column('n', sa.Integer))");
    }

    private static void assertOneLineError(Result result, int exit, String... fragments) {
        assertEquals(exit, result.exitCode(), result.describe());
        List<String> lines = result.err().strip().lines().filter(l -> !l.startsWith("lockwatch: postgres:")).toList();
        assertEquals(1, lines.size(), "one line, not a stack trace: " + result.err());
        for (String fragment : fragments) {
            assertTrue(lines.get(0).contains(fragment), "'" + fragment + "' missing from: " + lines.get(0));
        }
        assertEquals("", result.out());
    }

    @Test
    void missingIni() {
        assertOneLineError(Lockwatch.run("verify", "-c", dir.resolve("nope/alembic.ini").toString()), 2,
                "no alembic config at", "--config");
    }

    @Test
    void unknownRevision() {
        assertOneLineError(Lockwatch.verify(chain(), "--to", "zzz999"), 2, "--to zzz999 is not a revision");
    }

    @Test
    void baselineThatIsNotBelowTheTarget() {
        AlembicProject project = chain().revision("ccc333", "aaa111", "pass");
        assertOneLineError(Lockwatch.verify(project, "--from", "ccc333", "--to", "bbb222"), 2,
                "--from ccc333 is not an ancestor of --to bbb222");
    }

    @Test
    void severalHeadsWithToHeadNameThem() {
        AlembicProject project = chain().revision("ccc333", "aaa111", "pass");
        assertOneLineError(Lockwatch.verify(project, "--to", "head"), 2, "2 heads", "bbb222", "ccc333", "--to");
    }

    @Test
    void alembicNotInstalled() {
        assertOneLineError(Lockwatch.verify(chain(), "--alembic", "/nonexistent/bin/alembic"), 3,
                "not found", "apt-get install alembic");
    }

    @Test
    void unknownOptionValues() {
        assertOneLineError(Lockwatch.verify(chain(), "--postgres", "docker"), 2, "--postgres docker is not one of");
        assertOneLineError(Lockwatch.run("verify", "-c", chain().ini().toString(), "--format", "xml"), 2,
                "--format xml is not one of");
        assertOneLineError(Lockwatch.run("verify", "--no-such-flag"), 2, "Unknown option");
    }

    @Test
    void aProjectAlembicCannotLoadIsAUsageError() {
        AlembicProject project = chain().write("migrations/env.py", "import not_installed_anywhere\n");
        assertOneLineError(Lockwatch.verify(project), 2, "alembic cannot run this project", "not_installed_anywhere");
    }

    @Test
    void unreadableRevisionIdsAreNamed() {
        AlembicProject project = chain().write("migrations/versions/ccc.py",
                "revision = 'ccc'\ndown_revision = compute()\n");
        assertOneLineError(Lockwatch.verify(project), 2, "ccc.py", "down_revision");
    }
}
