package dev.lockwatch.run;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * What a run has started, closed last-first exactly once: on normal exit, on failure, and from the
 * shutdown hook on Ctrl-C or SIGTERM, so no server, container, scratch database or temp folder survives.
 */
public final class Cleanup implements AutoCloseable {
    /** How long a signal waits for a creation in flight (a server starting) before removing the rest. */
    private static final long CREATION_WAIT_SECONDS = 90;

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    private volatile boolean interrupted;

    /** Registers {@code resource} and returns it; registering after close closes it at once. */
    public <T extends AutoCloseable> T register(T resource) {
        lock.lock();
        try {
            if (closed) {
                closeQuietly(resource);
            } else {
                resources.push(resource);
            }
            return resource;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Creates a resource and registers it as one step: a signal that arrives while it is being created (a
     * scratch database, a server starting) waits for it, then removes it, instead of finding nothing registered
     * yet and leaving it behind.
     */
    public <T extends AutoCloseable> T create(Supplier<T> creation) {
        return whileOpen(() -> register(creation.get()));
    }

    /**
     * Registers {@code resource} first and then creates what it stands for, as one step like {@link #create}. For
     * a creation that may outlast the shutdown hook's wait (a copy of a large database): the hook then closes the
     * resource all the same, so its close must wait for the creation in flight (a database's drop waits for the
     * admin session that runs its CREATE) and then remove it, rather than find nothing registered yet.
     */
    public <T extends AutoCloseable> T registerAndCreate(T resource, java.util.function.Consumer<T> creation) {
        return whileOpen(() -> {
            register(resource);
            creation.accept(resource);
            return resource;
        });
    }

    /**
     * Runs work that makes again something already registered (a database dropped and created from a copy) as
     * one step, like {@link #create}: a signal waits for it instead of dropping the database in between.
     */
    public void remake(Runnable work) {
        whileOpen(() -> {
            work.run();
            return null;
        });
    }

    /** Runs {@code step} under the lock the shutdown hook takes; refused once the run is stopping. */
    private <T> T whileOpen(Supplier<T> step) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("lockwatch is stopping"); // interrupted before it began: create nothing
            }
            return step.get();
        } finally {
            lock.unlock();
        }
    }

    /** A thread that closes everything, for {@link Runtime#addShutdownHook}. */
    public Thread shutdownHook() {
        return new Thread(() -> {
            if (!isClosed()) {
                interrupted = true;
                System.err.println("lockwatch: interrupted: stopping alembic, removing the scratch database and temp files");
            }
            // also when the run is closing already: the JVM halts once this hook returns, so it waits for that close
            // (which holds the lock) instead of cutting it off between the database's drop and the temp folder's
            boolean waited = false;
            try {
                waited = lock.tryLock(CREATION_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                closeAll();
            } finally {
                if (waited) {
                    lock.unlock();
                }
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
    public void close() {
        lock.lock();
        try {
            closeAll();
        } finally {
            lock.unlock();
        }
    }

    private void closeAll() {
        Deque<AutoCloseable> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayDeque<>(resources);
            resources.clear();
        }
        while (!toClose.isEmpty()) {
            closeQuietly(toClose.pop());
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
