package dev.lockwatch.run;

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

    String key(ChainPlan plan, List<String> alembicCommand, String server) {
        MessageDigest digest = sha256();
        update(digest, Version.current(), server, String.join(" ", alembicCommand), plan.ini().section());
        update(digest, read(plan.ini().file()));
        Path env = plan.ini().scriptLocation().resolve("env.py");
        update(digest, Files.exists(env) ? read(env) : "");
        plan.baseline().stream().flatMap(tip -> plan.graph().ancestorsInclusive(tip).stream()).distinct().sorted().forEach(id -> {
            Revision revision = plan.graph().get(id);
            update(digest, id, read(revision.file()));
        });
        return HexFormat.of().formatHex(digest.digest()).substring(0, 24);
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
            delete(staging);
        }
        evict();
    }

    /** Keeps the {@value #KEEP} most recently used baselines. */
    private void evict() {
        try (Stream<Path> entries = Files.list(root)) {
            List<Path> saved = entries.filter(p -> Files.isRegularFile(p.resolve(DATABASE_FILE)))
                    .sorted(Comparator.comparing(BaselineCache::modified).reversed()).toList();
            saved.stream().skip(KEEP).forEach(BaselineCache::delete);
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

    private static void delete(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: a leftover partial folder is never looked up
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
