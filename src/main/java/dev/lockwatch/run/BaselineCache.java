package dev.lockwatch.run;

import dev.lockwatch.process.Folders;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.postgres.SnapshotServer;
import dev.lockwatch.report.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Migrated baselines kept between runs: the embedded server's data folder right after the baseline, keyed by
 * everything that shapes it (the baseline's revision files, env.py, the ini, the alembic command, the server
 * and lockwatch's version). A pull-request run that adds one revision to a long chain then starts from the
 * saved folder instead of upgrading the whole baseline again.
 */
final class BaselineCache {
    private static final int KEEP = 5;
    private static final String DATABASE_FILE = "database";

    private final Path root;

    /** A saved baseline: the data folder and the scratch database in it. */
    record Entry(Path data, String database) {
    }

    BaselineCache(Path root) {
        this.root = root;
    }

    /** The key, or empty (with a note) when it cannot cover everything the baseline could read. */
    Optional<String> keyOf(ChainPlan plan, List<String> alembicCommand, String server,
                           java.util.function.Consumer<String> progress) {
        try {
            return Optional.of(key(plan, alembicCommand, server));
        } catch (Uncacheable e) {
            progress.accept("baseline: not cached: " + e.getMessage());
            return Optional.empty();
        }
    }

    String key(ChainPlan plan, List<String> alembicCommand, String server) {
        MessageDigest digest = sha256();
        update(digest, Version.current(), server, String.join(" ", alembicCommand), plan.ini().section());
        // a revision may read any file near it (a .sql file, a helper module): every file of the ini's folder and
        // the script location counts, not only the revision files
        for (Path folder : new java.util.TreeSet<>(List.of(plan.ini().folder().toAbsolutePath().normalize(),
                plan.ini().scriptLocation().toAbsolutePath().normalize()))) {
            hashTree(digest, folder);
        }
        plan.baseline().stream().flatMap(tip -> plan.graph().ancestorsInclusive(tip).stream()).distinct().sorted().forEach(id -> {
            Revision revision = plan.graph().get(id);
            update(digest, id, read(revision.file()));
        });
        return HexFormat.of().formatHex(digest.digest()).substring(0, 24);
    }

    /** Folders no baseline reads: version control, caches, virtual environments, lockwatch's own output. */
    private static final java.util.Set<String> SKIPPED = java.util.Set.of("__pycache__", "node_modules", "venv",
            "target", "build", "dist");
    /** Beyond this, hashing would cost more than the cache saves: lockwatch hashes no further. */
    private static final long MAX_TREE_BYTES = 256L * 1024 * 1024;

    /** Every file under {@code folder} (paths and contents, in order), but those in {@link #SKIPPED} or hidden folders. */
    private static void hashTree(MessageDigest digest, Path folder) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).filter(p -> folder.relativize(p).getParent() == null
                    || java.util.stream.StreamSupport.stream(folder.relativize(p).getParent().spliterator(), false)
                    .map(Path::toString).noneMatch(n -> n.startsWith(".") || SKIPPED.contains(n))).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw new Uncacheable("cannot list " + folder + ": " + e.getMessage());
        }
        long total = 0;
        for (Path file : files) {
            try {
                total += Files.size(file);
                if (total > MAX_TREE_BYTES) {
                    throw new Uncacheable(folder + " holds more than " + MAX_TREE_BYTES / (1024 * 1024) + " MB");
                }
                update(digest, folder.relativize(file).toString());
                digest.update(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new Uncacheable("cannot read " + file + ": " + e.getMessage());
            }
        }
    }

    /** The key cannot cover everything the baseline could read: no reuse then. */
    static final class Uncacheable extends RuntimeException {
        Uncacheable(String message) {
            super(message);
        }
    }

    Optional<Entry> lookup(String key) {
        Path folder = root.resolve(key);
        Path database = folder.resolve(DATABASE_FILE);
        if (!Files.isRegularFile(database) || !Files.isDirectory(folder.resolve("data"))) {
            return Optional.empty();
        }
        try {
            Files.setLastModifiedTime(folder, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
            return Optional.of(new Entry(folder.resolve("data"), Files.readString(database).strip()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Removes a saved baseline the server could not start from, saying so. */
    void discard(String key, String why, java.util.function.Consumer<String> progress) {
        progress.accept("baseline: note: the cached baseline " + root.resolve(key) + " is damaged (" + why
                + "); discarded, the baseline is rebuilt and saved again");
        Folders.deleteQuietly(root.resolve(key));
    }

    /** Saves the server's data folder under {@code key}; a failure costs the cache, never the run. */
    void store(String key, SnapshotServer server, String database) {
        Path staging = root.resolve(key + ".partial-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(root);
            server.saveDataTo(staging.resolve("data"));
            Files.writeString(staging.resolve(DATABASE_FILE), database);
            Path folder = root.resolve(key);
            if (!Files.exists(folder)) {
                Files.move(staging, folder, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | LockwatchException e) {
            System.err.println("lockwatch: note: the baseline was not cached: " + e.getMessage());
        } finally {
            Folders.deleteQuietly(staging);
        }
        evict();
    }

    /** Keeps the {@value #KEEP} most recently used baselines. */
    private void evict() {
        try (Stream<Path> entries = Files.list(root)) {
            List<Path> saved = entries.filter(p -> Files.isRegularFile(p.resolve(DATABASE_FILE)))
                    .sorted(Comparator.comparing(BaselineCache::modified).reversed()).toList();
            saved.stream().skip(KEEP).forEach(Folders::deleteQuietly);
        } catch (IOException ignored) {
            // an unreadable cache folder is only a missed optimisation
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw LockwatchException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void update(MessageDigest digest, String... parts) {
        for (String part : parts) {
            digest.update(part.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
