package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.LockwatchProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded server's binaries (about 59 MB) are unpacked once into lockwatch's cache folder, not into the temp
 * folder on every run; a folder left half-unpacked (a full disk, a kill) is unpacked again, not used.
 */
class EmbeddedBinariesCacheTest {
    @TempDir
    Path dir;

    private Result run(Path cacheHome, Path tmp, AlembicProject project, String log) {
        return new LockwatchProcess(tmp, dir.resolve(log), "verify", "-c", project.ini().toString(), "--from", "r1",
                "--no-cache", "--no-downgrade-check", "--postgres", "embedded")
                .env("XDG_CACHE_HOME", cacheHome.toString()).run(600);
    }

    @Test
    void binariesAreUnpackedIntoTheCacheOnceAndAHalfUnpackedFolderIsUnpackedAgain() throws Exception {
        AlembicProject project = AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", "op.add_column('orders', sa.Column('note', sa.Text))");
        Path cacheHome = dir.resolve("cache");
        Path tmp = dir.resolve("tmp");

        Result first = run(cacheHome, tmp, project, "first.log");

        assertTrue(first.exitCode() == 0 || first.exitCode() == 1, first.describe());
        assertTrue(bytesUnder(tmp) < 1024 * 1024, "the temp folder holds no binaries: " + list(tmp));
        Path unpacked = single(cacheHome.resolve("lockwatch/postgres-binaries/unpacked"));
        assertTrue(Files.exists(unpacked.resolve(".exists")), "marked complete: " + list(unpacked));
        Path postgres = unpacked.resolve("bin/postgres");
        long size = Files.size(postgres);

        // as a full disk or a kill leaves it: one binary cut short, the folder not marked complete
        Files.delete(unpacked.resolve(".exists"));
        Files.write(postgres, new byte[0]);
        Result second = run(cacheHome, tmp, project, "second.log");

        assertEquals(first.exitCode(), second.exitCode(), second.describe());
        assertEquals(size, Files.size(postgres), "unpacked again");
        assertTrue(Files.exists(unpacked.resolve(".exists")));
        assertTrue(bytesUnder(tmp) < 1024 * 1024, "the temp folder holds no binaries: " + list(tmp));
    }

    private static Path single(Path folder) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            List<Path> all = entries.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    private static long bytesUnder(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.toList();
        }
    }
}
