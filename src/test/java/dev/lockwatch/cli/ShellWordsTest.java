package dev.lockwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lockwatch.model.LockwatchException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellWordsTest {
    @Test
    void splitsLikeAShell() {
        assertEquals(List.of("poetry", "run", "alembic"), ShellWords.split(" poetry  run alembic ", "--alembic"));
        assertEquals(List.of("/opt/my venv/bin/alembic", "-x", "a b"), ShellWords.split("\"/opt/my venv/bin/alembic\" -x 'a b'", "--alembic"));
        assertEquals(List.of("a b"), ShellWords.split("a\\ b", "--alembic"));
    }

    @Test
    void emptyOrUnclosedIsAUsageError() {
        assertEquals(LockwatchException.USAGE, assertThrows(LockwatchException.class, () -> ShellWords.split("  ", "--alembic")).exitCode());
        assertThrows(LockwatchException.class, () -> ShellWords.split("'poetry run", "--alembic"));
    }
}
