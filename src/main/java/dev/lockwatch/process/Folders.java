package dev.lockwatch.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folders lockwatch made for itself (temp copies, cache entries being built), removed whole. */
public final class Folders {
    private Folders() {
    }

    /**
     * Removes {@code folder} and everything in it, as far as it can: for folders whose leftovers are never looked up
     * again or are removed by the next run. Nothing to do when it does not exist.
     */
    public static void deleteQuietly(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort, as the callers say
        }
    }
}
