package dev.lockwatch.run;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a run has started, closed last-first exactly once: on normal exit, on failure, and from the
 * shutdown hook on Ctrl-C or SIGTERM, so no server, container, scratch database or temp folder survives.
 */
public final class Cleanup implements AutoCloseable {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private boolean closed;
    private volatile boolean interrupted;

    /** Registers {@code resource} and returns it; registering after close closes it at once. */
    public synchronized <T extends AutoCloseable> T register(T resource) {
        if (closed) {
            closeQuietly(resource);
        } else {
            resources.push(resource);
        }
        return resource;
    }

    /** A thread that closes everything, for {@link Runtime#addShutdownHook}. */
    public Thread shutdownHook() {
        return new Thread(() -> {
            if (!isClosed()) {
                interrupted = true;
                System.err.println("lockwatch: interrupted: stopping alembic, dropping the scratch database, removing temp files");
                close();
            }
        }, "lockwatch-cleanup");
    }

    /** The shutdown hook closed the run: whatever fails in the run now is a consequence, not news. */
    public boolean interrupted() {
        return interrupted;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
        while (!resources.isEmpty()) {
            closeQuietly(resources.pop());
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            System.err.println("lockwatch: cleanup: " + e.getMessage());
        }
    }
}
