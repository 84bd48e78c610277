package dev.lockwatch.run;

import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** lockwatch's temp folder for one run: the ini copy, alembic logs, the embedded data directory. */
public final class Workspace implements AutoCloseable {
    private final Path root;

    private Workspace(Path root) {
        this.root = root;
    }

    public static Workspace create() {
        try {
            return new Workspace(Files.createTempDirectory("lockwatch-"));
        } catch (IOException e) {
            throw LockwatchException.environment("cannot create a temp folder: " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public Path folder(String name) {
        try {
            return Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw LockwatchException.environment("cannot create " + root.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** Removes the folder; files that vanish meanwhile (a server still shutting down) are no error. */
    @Override
    public void close() {
        for (int attempt = 0; Files.exists(root); attempt++) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | java.io.UncheckedIOException e) {
                if (attempt >= 20) {
                    throw LockwatchException.environment("cannot remove " + root + ": " + e.getMessage(), e);
                }
            }
            if (Files.exists(root)) { // a file written meanwhile (a process still ending), or one that will not go
                if (attempt >= 20) {
                    throw LockwatchException.environment("cannot remove " + root + ": it keeps files");
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
