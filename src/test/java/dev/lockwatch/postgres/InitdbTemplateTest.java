package dev.lockwatch.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The initdb template's cache discipline, with a stand-in for initdb: built once, reused, rebuilt when damaged or
 * discarded, built once by concurrent runs, never seen half-built. EmbeddedBinariesCacheTest runs the real one.
 */
class InitdbTemplateTest {
    private static final Map<String, String> ENV = Map.of("LANG", "C.UTF-8");

    @TempDir
    Path dir;

    private final AtomicInteger builds = new AtomicInteger();
    private final List<String> said = new ArrayList<>();
    private final Consumer<String> progress = line -> {
        synchronized (said) {
            said.add(line);
        }
    };

    /** What initdb leaves, as far as the template checks it. */
    private void fakeInitdb(Path folder) {
        builds.incrementAndGet();
        try {
            Files.createDirectories(folder.resolve("global"));
            Files.writeString(folder.resolve("PG_VERSION"), "16\n");
            Files.writeString(folder.resolve("postgresql.conf"), "max_connections = 100\n");
            Files.writeString(folder.resolve("global/pg_control"), "control");
            // the proving start's command line, as the postmaster writes it
            Files.writeString(folder.resolve("postmaster.opts"), "/cache/unpacked/PG-72e2/bin/postgres \"-D\" \""
                    + folder + "\" \"-p\" \"40123\" \"-c\" \"fsync=off\"\n");
            Files.writeString(folder.resolve("epg-lock"), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private InitdbTemplate template() {
        return InitdbTemplate.of(dir, "16.15.0", ENV);
    }

    @Test
    void builtOnceThenReusedWithoutTheProvingStartsFiles() {
        Optional<Path> first = template().obtain(this::fakeInitdb, progress);
        Optional<Path> second = template().obtain(this::fakeInitdb, progress);

        assertTrue(first.isPresent(), said.toString());
        assertEquals(first, second);
        assertEquals(1, builds.get());
        assertTrue(first.get().getFileName().toString().startsWith("16.15.0-"), first.toString());
        assertFalse(Files.exists(first.get().resolve("postmaster.opts")), "a start's options are no part of it");
        assertFalse(Files.exists(first.get().resolve("epg-lock")));
        assertEquals(Optional.of(Path.of("/cache/unpacked/PG-72e2/bin")), template().binaries(), "its binaries, recorded");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void whatInitdbReadsFromTheEnvironmentMakesAnotherTemplate() {
        assertEquals(InitdbTemplate.key(Map.of("LANG", "C.UTF-8")), InitdbTemplate.key(Map.of("LANG", "C.UTF-8", "HOME", "/x")));
        assertNotEquals(InitdbTemplate.key(Map.of("LANG", "C.UTF-8")), InitdbTemplate.key(Map.of("LANG", "de_DE.UTF-8")));
        assertNotEquals(InitdbTemplate.key(ENV), InitdbTemplate.key(Map.of("LANG", "C.UTF-8", "LC_COLLATE", "sv_SE.UTF-8")));
        assertNotEquals(InitdbTemplate.key(ENV), InitdbTemplate.key(Map.of("LANG", "C.UTF-8", "TZ", "Asia/Tokyo")));
        assertNotEquals(InitdbTemplate.of(dir, "16.15.0", ENV).folder(), InitdbTemplate.of(dir, "17.11.0", ENV).folder());
    }

    @Test
    void aDamagedTemplateIsBuiltAgain() throws IOException {
        Path made = template().obtain(this::fakeInitdb, progress).orElseThrow();
        Files.delete(made.resolve("global/pg_control")); // emptied behind lockwatch's back

        Optional<Path> again = template().obtain(this::fakeInitdb, progress);

        assertEquals(Optional.of(made), again);
        assertEquals(2, builds.get());
        assertTrue(Files.exists(made.resolve("global/pg_control")));
    }

    @Test
    void aDiscardedTemplateIsBuiltAgainByTheNextRun() {
        Path made = template().obtain(this::fakeInitdb, progress).orElseThrow();

        template().discard("the server did not start", progress);

        assertFalse(Files.exists(made));
        assertEquals(List.of(), leftovers());
        assertTrue(said.stream().anyMatch(line -> line.contains("discarding") && line.contains("did not start")), said.toString());
        assertEquals(Optional.of(made), template().obtain(this::fakeInitdb, progress));
        assertEquals(2, builds.get());
    }

    @Test
    void aBuildKilledHalfWayLeavesNothingUsedAndIsCleanedUp() throws IOException {
        Path half = dir.resolve(template().folder().getFileName() + ".building-12345");
        Files.createDirectories(half.resolve("global"));
        Files.writeString(half.resolve("PG_VERSION"), "16\n"); // a builder killed before it renamed its folder

        Optional<Path> made = template().obtain(this::fakeInitdb, progress);

        assertTrue(made.isPresent());
        assertEquals(1, builds.get());
        assertFalse(Files.exists(half), "the dead builder's folder is removed");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aFailedBuildLeavesNoTemplateAndTheCallerRunsInitdbItself() {
        Optional<Path> made = template().obtain(folder -> {
            fakeInitdb(folder);
            throw new IllegalStateException("initdb: disk full");
        }, progress);

        assertEquals(Optional.empty(), made);
        assertFalse(Files.exists(template().folder()));
        assertEquals(List.of(), leftovers());
        assertFalse(Files.exists(dir.resolve(template().folder().getFileName() + ".lock")), "nothing kept, not even the lock");
        assertTrue(said.stream().anyMatch(line -> line.contains("disk full") && line.contains("running initdb")), said.toString());
    }

    @Test
    void concurrentRunsBuildItOnceAndAllGetItWhole() throws Exception {
        int runs = 6;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        try {
            List<Future<Optional<Path>>> answers = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return template().obtain(folder -> {
                        try {
                            Thread.sleep(200); // initdb takes its time: the others wait for it
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        fakeInitdb(folder);
                    }, progress);
                }));
            }
            go.countDown();
            for (Future<Optional<Path>> answer : answers) {
                Path made = answer.get().orElseThrow();
                assertTrue(Files.exists(made.resolve("global/pg_control")));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, builds.get());
        assertEquals(List.of(), leftovers());
    }

    private List<Path> leftovers() {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().contains(".building-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
