package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.LockwatchProcess;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config file is trusted the way git trusts a repository: one owned by another user (not root) is ignored,
 * with a note saying how to allow it. The audit's case: a lockwatch.toml in a world-writable parent folder whose
 * alembic key ran a command as the caller.
 */
class ConfigTrustTest {
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;

    private Path marker;

    /** A project below a world-writable folder holding a stranger's {@code file} whose alembic key leaves a marker. */
    private AlembicProject plantedBy(int owner, String file, String table) throws Exception {
        assumeTrue(isRoot(), "chown to another user needs root");
        Path shared = dir.resolve("shared");
        Files.createDirectories(shared);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        marker = dir.resolve("marker");
        Path hostile = shared.resolve("evil-alembic");
        Files.writeString(hostile, "#!/bin/sh\ntouch " + marker + "\nexec /usr/bin/alembic \"$@\"\n");
        Files.setPosixFilePermissions(hostile, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = shared.resolve(file);
        Files.writeString(config, table + "alembic = \"" + hostile + "\"\n");
        Files.setAttribute(config, "unix:uid", owner);
        return AlembicProject.create(shared.resolve("project"))
                .revision("r1", null, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))");
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void aLockwatchTomlOwnedByAnotherUserIsIgnoredWithANoteSayingHowToAllowIt() throws Exception {
        AlembicProject project = plantedBy(NOBODY, "lockwatch.toml", "");

        Result result = Lockwatch.verify(project);

        assertFalse(Files.exists(marker), "a stranger's config ran its alembic: " + result.describe());
        assertEquals(0, result.exitCode(), result.describe());
        String note = result.err().lines().filter(l -> l.contains("lockwatch.toml")).findFirst().orElse("");
        assertTrue(note.contains("owned by uid " + NOBODY) && note.contains("LOCKWATCH_TRUST_CONFIG"), result.err());
        assertEquals(1, result.err().lines().filter(l -> l.contains("lockwatch.toml")).count(), result.err());
    }

    @Test
    void aPyprojectOwnedByAnotherUserIsIgnoredToo() throws Exception {
        AlembicProject project = plantedBy(NOBODY, "pyproject.toml", "[tool.lockwatch]\n");

        Result result = Lockwatch.verify(project);

        assertFalse(Files.exists(marker), result.describe());
        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(result.err().contains("LOCKWATCH_TRUST_CONFIG"), result.err());
    }

    @Test
    void aFileOwnedByRootOrTheCallerIsUsed() throws Exception {
        AlembicProject project = plantedBy(0, "lockwatch.toml", "");

        Result result = Lockwatch.verify(project);

        assertTrue(Files.exists(marker), "the caller's own config is used: " + result.describe());
        assertEquals(0, result.exitCode(), result.describe());
    }

    @Test
    void theVariableAllowsAStrangersFile() throws Exception {
        AlembicProject project = plantedBy(NOBODY, "lockwatch.toml", "");
        Path config = dir.resolve("shared/lockwatch.toml");

        Result result = new LockwatchProcess(dir.resolve("tmp"), dir.resolve("run.log"), "verify", "-c",
                project.ini().toString(), "--server-url", SharedPostgres.url())
                .env("LOCKWATCH_TRUST_CONFIG", config.toString()).run(300);

        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(Files.exists(marker), "a file the caller trusts is used: " + result.describe());
    }
}
