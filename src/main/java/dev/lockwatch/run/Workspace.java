package dev.lockwatch.run;

import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * lockwatch's temp folders for one run: the ini copy, alembic logs, and the embedded server's data directory,
 * which lives in memory when it can ({@link #serverFolder}).
 */
public final class Workspace implements AutoCloseable {
    /** Where the embedded server's data goes instead of /dev/shm (a folder that exists), for a machine that wants it elsewhere. */
    public static final String SERVER_DIR_VARIABLE = "LOCKWATCH_SERVER_DIR";
    /** Room a memory file system must have free to take a server: its WAL alone may grow to max_wal_size (1 GB). */
    static final long MEMORY_ROOM_BYTES = 2L << 30;
    private static final Path MEMORY = Path.of("/dev/shm");

    private final Path root;
    private final Optional<Path> serverParent;
    private Path serverRoot;

    private Workspace(Path root, Optional<Path> serverParent) {
        this.root = root;
        this.serverParent = serverParent;
    }

    public static Workspace create() {
        return create(Optional.ofNullable(System.getenv(SERVER_DIR_VARIABLE)).filter(v -> !v.isBlank()).map(Path::of));
    }

    /** @param serverDir where the embedded server's data goes (else /dev/shm when it has room, else the temp folder) */
    static Workspace create(Optional<Path> serverDir) {
        try {
            return new Workspace(Files.createTempDirectory("lockwatch-"), serverDir.or(Workspace::memoryWithRoom));
        } catch (IOException e) {
            throw LockwatchException.environment("cannot create a temp folder: " + e.getMessage(), e);
        }
    }

    /** /dev/shm when it is a writable memory file system with room to spare. */
    private static Optional<Path> memoryWithRoom() {
        try {
            if (Files.isDirectory(MEMORY) && Files.isWritable(MEMORY)) {
                FileStore store = Files.getFileStore(MEMORY);
                if (store.type().equals("tmpfs") && store.getUsableSpace() >= MEMORY_ROOM_BYTES) {
                    return Optional.of(MEMORY);
                }
            }
        } catch (IOException | SecurityException e) {
            // no memory file system to use: the temp folder it is
        }
        return Optional.empty();
    }

    /**
     * The folder for the embedded server's data: in memory (/dev/shm, or $LOCKWATCH_SERVER_DIR) when {@code inMemory}
     * and there is room, else in the temp folder. A throwaway server on a memory file system creates and removes its
     * relation files without the disk file system's work (a realistic chain's deploy ran in about two thirds of the
     * time); data of unknown size (a restored dump, seeded rows) stays on disk.
     */
    public Path serverFolder(String name, boolean inMemory) {
        if (!inMemory || serverParent.isEmpty()) {
            return folder(name);
        }
        try {
            if (serverRoot == null) {
                serverRoot = Files.createTempDirectory(serverParent.get(), "lockwatch-");
            }
            return Files.createDirectories(serverRoot.resolve(name));
        } catch (IOException e) {
            throw LockwatchException.environment("cannot create a folder in " + serverParent.get() + " (set "
                    + SERVER_DIR_VARIABLE + " to another): " + e.getMessage(), e);
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

    /** Removes the folders; files that vanish meanwhile (a server still shutting down) are no error. */
    @Override
    public void close() {
        if (serverRoot != null) {
            remove(serverRoot);
        }
        remove(root);
    }

    private static void remove(Path root) {
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
