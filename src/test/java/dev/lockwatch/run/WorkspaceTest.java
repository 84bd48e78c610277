package dev.lockwatch.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a run's folders go, and that closing the workspace removes every one of them. */
class WorkspaceTest {
    @Test
    void theServersDataGoesToTheServerFolderWhenItMayLiveInMemory(@TempDir Path memory) throws IOException {
        Path data;
        Path alembic;
        try (Workspace workspace = Workspace.create(Optional.of(memory))) {
            data = workspace.serverFolder("pgdata", true);
            alembic = workspace.folder("alembic");
            Files.writeString(data.resolve("PG_VERSION"), "16");
            assertEquals(memory, data.getParent().getParent(), data.toString());
            assertTrue(data.getParent().getFileName().toString().startsWith("lockwatch-"), data.toString());
            assertEquals(workspace.root(), alembic.getParent());
        }
        assertFalse(Files.exists(data.getParent()), "the server's folder is removed");
        assertFalse(Files.exists(alembic.getParent()), "the workspace is removed");
        try (var left = Files.list(memory)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void dataOfUnknownSizeStaysInTheTempFolder(@TempDir Path memory) throws IOException {
        try (Workspace workspace = Workspace.create(Optional.of(memory))) {
            Path data = workspace.serverFolder("pgdata", false);
            assertEquals(workspace.root(), data.getParent());
            try (var left = Files.list(memory)) {
                assertEquals(0, left.count(), "nothing made in memory");
            }
        }
    }
}
