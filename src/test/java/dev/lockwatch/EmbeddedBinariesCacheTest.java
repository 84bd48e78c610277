package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    private AlembicProject project() {
        return AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", "op.add_column('orders', sa.Column('note', sa.Text))");
    }

    private Result run(Path cacheHome, Path tmp, AlembicProject project, String log) {
        return process(cacheHome, tmp, project, log).run(600);
    }

    @Test
    void binariesAreUnpackedIntoTheCacheOnceAndAHalfUnpackedFolderIsUnpackedAgain() throws Exception {
        AlembicProject project = project();
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

    /**
     * The initdb template: made by the first of two runs started at once on an empty cache (the other waits for
     * it), reused by the next run; a template damaged behind lockwatch's back costs that run nothing but a fresh
     * initdb, and is made again by the run after.
     */
    @Test
    void concurrentRunsMakeOneInitdbTemplateAndADamagedOneIsMadeAgain() throws Exception {
        AlembicProject project = project();
        Path cacheHome = dir.resolve("cache");
        Path tmp = dir.resolve("tmp");
        Path templates = cacheHome.resolve("lockwatch/postgres-binaries/initdb");

        LockwatchProcess one = process(cacheHome, tmp, project, "one.log");
        LockwatchProcess two = process(cacheHome, tmp, project, "two.log");
        Process first = one.start();
        Process second = two.start();
        assertTrue(first.waitFor(600, java.util.concurrent.TimeUnit.SECONDS) && second.waitFor(600,
                java.util.concurrent.TimeUnit.SECONDS), one.output() + two.output());
        assertTrue(verified(first.exitValue()) && verified(second.exitValue()), one.output() + "\n" + two.output());
        assertEquals(1, count(one.output() + two.output(), "making the initdb template"), one.output() + two.output());
        Path template = single(templates, p -> Files.isDirectory(p));
        assertTrue(Files.exists(template.resolve("global/pg_control")));
        assertEquals(List.of(), building(templates), "no temp folder of a builder left");

        Result reused = run(cacheHome, tmp, project, "reused.log");
        assertTrue(verified(reused.exitCode()), reused.describe());
        assertFalse(reused.err().contains("making the initdb template"), reused.describe());

        Files.write(template.resolve("global/pg_control"), new byte[0]); // a cluster no server starts from
        Result damaged = run(cacheHome, tmp, project, "damaged.log");
        assertTrue(verified(damaged.exitCode()), damaged.describe());
        assertTrue(damaged.err().contains("discarding the initdb template"), damaged.describe());

        Result rebuilt = run(cacheHome, tmp, project, "rebuilt.log");
        assertTrue(verified(rebuilt.exitCode()), rebuilt.describe());
        assertTrue(rebuilt.err().contains("making the initdb template"), rebuilt.describe());
        assertTrue(Files.size(template.resolve("global/pg_control")) > 0);
        assertEquals(List.of(), building(templates));
        assertTrue(bytesUnder(tmp) < 1024 * 1024, "nothing left in the temp folder: " + list(tmp));
    }

    private LockwatchProcess process(Path cacheHome, Path tmp, AlembicProject project, String log) {
        return new LockwatchProcess(tmp, dir.resolve(log), "verify", "-c", project.ini().toString(), "--from", "r1",
                "--no-cache", "--no-downgrade-check", "--postgres", "embedded")
                .env("XDG_CACHE_HOME", cacheHome.toString());
    }

    /** Verified, whatever the verdict. */
    private static boolean verified(int exitCode) {
        return exitCode == 0 || exitCode == 1;
    }

    private static int count(String text, String fragment) {
        return text.split(java.util.regex.Pattern.quote(fragment), -1).length - 1;
    }

    private static List<Path> building(Path templates) throws IOException {
        try (Stream<Path> entries = Files.list(templates)) {
            return entries.filter(p -> p.getFileName().toString().contains(".building-")).toList();
        }
    }

    private static Path single(Path folder, java.util.function.Predicate<Path> which) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            List<Path> all = entries.filter(which).toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
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
