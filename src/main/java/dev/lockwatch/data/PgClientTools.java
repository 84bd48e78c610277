package dev.lockwatch.data;

import dev.lockwatch.model.LockwatchException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds PostgreSQL's client programs (psql, pg_restore): in {@code --pg-bin}, else on PATH, else in the newest
 * version folder of the usual package layouts (Debian's /usr/lib/postgresql/N/bin, PGDG's /usr/pgsql-N/bin).
 */
public final class PgClientTools {
    private static final List<Path> VERSION_ROOTS = List.of(Path.of("/usr/lib/postgresql"), Path.of("/usr"));

    private PgClientTools() {
    }

    public static Path find(String program, Path pgBin) {
        if (pgBin != null) {
            Path candidate = pgBin.resolve(program);
            if (!Files.isExecutable(candidate)) {
                throw LockwatchException.usage("--pg-bin " + pgBin + " has no " + program + ": give the folder of "
                        + "PostgreSQL's client programs, e.g. /usr/lib/postgresql/16/bin");
            }
            return candidate;
        }
        return onPath(program).or(() -> inVersionFolders(program)).orElseThrow(() -> LockwatchException.environment(
                program + " not found: install PostgreSQL's client programs (apt-get install postgresql-client) "
                        + "or pass --pg-bin with their folder"));
    }

    private static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.of(Path.of(dir, program));
            }
        }
        return Optional.empty();
    }

    /** The newest major's copy: a newer pg_restore reads older archives, not the other way round. */
    private static Optional<Path> inVersionFolders(String program) {
        List<Path> found = new ArrayList<>();
        for (Path root : VERSION_ROOTS) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> folders = Files.list(root)) {
                folders.map(folder -> folder.resolve("bin").resolve(program)).filter(Files::isExecutable)
                        .filter(p -> major(p) >= 0).forEach(found::add);
            } catch (IOException unreadable) {
                // a folder we cannot list holds nothing we can run
            }
        }
        return found.stream().max(Comparator.comparingInt(PgClientTools::major));
    }

    /** 16 for /usr/lib/postgresql/16/bin/psql and /usr/pgsql-16/bin/psql; -1 for other folders. */
    private static int major(Path program) {
        String folder = program.getParent().getParent().getFileName().toString().replace("pgsql-", "");
        return folder.matches("\\d+") ? Integer.parseInt(folder) : -1;
    }
}
