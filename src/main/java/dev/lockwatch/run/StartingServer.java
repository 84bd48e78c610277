package dev.lockwatch.run;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.PostgresServer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The run's server, started on a thread of its own as soon as the run knows it will need one, so that its start
 * overlaps reading the revision graph and Python's start; what the run makes on it first (its scratch database) is
 * made on that thread too, once the server is up, while the graph is still being read. It is registered with the
 * {@link Cleanup} before the start begins, and its close waits for a start in flight and then removes what it made
 * and stops the server: a signal at any moment leaves no server behind, and neither the run's own steps nor that
 * thread ever wait for the cleanup lock while the server starts (the shutdown hook holds it while it waits here).
 *
 * @param <T> what is made on the server once it is up
 */
final class StartingServer<T extends AutoCloseable> implements AutoCloseable {
    /** How long a close waits for a start in flight: zonky's own wait for the server, and some. */
    private static final long START_WAIT_SECONDS = 90;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile PostgresServer server;
    private volatile T made;
    private volatile RuntimeException failure;

    private StartingServer() {
    }

    /**
     * Registers the server with {@code cleanup}, then starts it in the background with {@code start} and makes
     * {@code first} on it; closing this closes what {@code first} made, then the server.
     */
    static <T extends AutoCloseable> StartingServer<T> begin(Cleanup cleanup, Supplier<PostgresServer> start,
                                                            Function<PostgresServer, T> first) {
        StartingServer<T> starting = cleanup.register(new StartingServer<>());
        Thread thread = new Thread(() -> {
            try {
                starting.server = start.get();
                starting.made = first.apply(starting.server);
            } catch (RuntimeException e) {
                starting.failure = e;
            } catch (Error e) {
                starting.failure = new IllegalStateException(e);
                throw e;
            } finally {
                starting.done.countDown();
            }
        }, "lockwatch-server-start");
        thread.setDaemon(true); // a close waits for it, so the JVM never leaves its server running
        thread.start();
        return starting;
    }

    /** What was made on the server once it was up, when {@link #await} has returned. */
    T made() {
        return made;
    }

    /** The started server, once it is up and what the run makes first is made; what either threw, if one failed. */
    PostgresServer await() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while the server started");
        }
        if (failure != null) {
            throw failure;
        }
        return server;
    }

    @Override
    public void close() throws Exception {
        if (!done.await(START_WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the server did not finish starting in " + START_WAIT_SECONDS
                    + " s: it may still run");
        }
        T first = made;
        PostgresServer started = server;
        try {
            if (first != null) {
                first.close();
            }
        } finally {
            if (started != null) {
                started.close();
            }
        }
    }
}
