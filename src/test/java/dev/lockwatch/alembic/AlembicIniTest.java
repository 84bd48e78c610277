package dev.lockwatch.alembic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.LockwatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlembicIniTest {
    @TempDir
    Path dir;

    private AlembicIni ini(String text) throws Exception {
        Path file = dir.resolve("alembic.ini");
        Files.writeString(file, text);
        return AlembicIni.read(file, "alembic");
    }

    @Test
    void resolvesRelativeAndHereLocations() throws Exception {
        AlembicIni ini = ini("[alembic]\nscript_location = %(here)s/db\nversion_locations = %(here)s/v1 v2\n");
        assertEquals(dir.resolve("db"), ini.scriptLocation());
        assertEquals(List.of(dir.resolve("v1"), dir.resolve("v2")), ini.versionLocations());
    }

    @Test
    void theCopyPointsAtTheGivenUrlAndKeepsEverythingElse() throws Exception {
        AlembicIni ini = ini("""
                [alembic]
                script_location = %(here)s/migrations
                sqlalchemy.url = postgresql://app:secret@prod/app
                    ?sslmode=require
                file_template = %%(rev)s

                [logger_root]
                level = WARN
                """);
        String copy = ini.withUrl("postgresql://u:p%40ss@localhost:5432/lockwatch_1");
        assertTrue(copy.contains("sqlalchemy.url = postgresql://u:p%%40ss@localhost:5432/lockwatch_1\n"), copy);
        assertFalse(copy.contains("prod") || copy.contains("sslmode"), copy);
        assertTrue(copy.contains("script_location = " + dir + "/migrations"), copy);
        assertTrue(copy.contains("file_template = %%(rev)s") && copy.contains("level = WARN"), copy);
    }

    @Test
    void aMissingUrlIsAdded() throws Exception {
        assertTrue(ini("[alembic]\nscript_location = m\n").withUrl("postgresql://x").contains("sqlalchemy.url = postgresql://x"));
    }

    @Test
    void notAnAlembicIni() {
        LockwatchException e = assertThrows(LockwatchException.class, () -> ini("[tool]\nx = 1\n"));
        assertTrue(e.getMessage().contains("no [alembic] section"), e.getMessage());
        assertTrue(assertThrows(LockwatchException.class, () -> ini("[alembic]\nsqlalchemy.url = x\n"))
                .getMessage().contains("no script_location"));
    }
}
