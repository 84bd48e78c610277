package dev.lockwatch.run;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.PostgresServer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The run's server, started on a thread of its own as soon as the run knows it will need one, so that its start
 * overlaps reading the revision graph and Python's start. It is registered with the {@link Cleanup} before the
 * start begins, and its close waits for a start in flight and then stops what it started: a signal at any moment
 * leaves no server behind, and the run's own steps never wait for the cleanup lock while the server starts.
 */
final class StartingServer implements AutoCloseable {
    /** How long a close waits for a start in flight: zonky's own wait for the server, and some. */
    private static final long START_WAIT_SECONDS = 90;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile PostgresServer server;
    private volatile RuntimeException failure;

    private StartingServer() {
    }

    /** Registers the server with {@code cleanup}, then starts it in the background with {@code start}. */
    static StartingServer begin(Cleanup cleanup, Supplier<PostgresServer> start) {
        StartingServer starting = cleanup.register(new StartingServer());
        Thread thread = new Thread(() -> {
            try {
                starting.server = start.get();
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

    /** The started server, once it is up; what its start threw, if it failed. */
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
        PostgresServer started = server;
        if (started != null) {
            started.close();
        }
    }
}
