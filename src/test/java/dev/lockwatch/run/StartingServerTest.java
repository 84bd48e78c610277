package dev.lockwatch.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.PostgresServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A server started early, in the background, against the run's cleanup, in memory: whenever the signal comes,
 * before, during or after the start, what was started is stopped, and after the things registered later.
 */
class StartingServerTest {
    private final List<String> closed = new CopyOnWriteArrayList<>();

    private final class Server implements PostgresServer {
        @Override
        public DatabaseTarget admin() {
            return new DatabaseTarget("localhost", 5432, "postgres", "postgres", "postgres");
        }

        @Override
        public String provider() {
            return "embedded";
        }

        @Override
        public String detail() {
            return "in memory";
        }

        @Override
        public void close() {
            closed.add("server");
        }
    }

    /** A start that makes nothing on the server once it is up. */
    private static StartingServer<AutoCloseable> begin(Cleanup cleanup, Supplier<PostgresServer> start) {
        return StartingServer.begin(cleanup, start, server -> null);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aSignalWhileTheServerStartsWaitsForTheStartThenStopsIt() throws Exception {
        Cleanup cleanup = new Cleanup();
        cleanup.register(() -> closed.add("temp folder"));
        CountDownLatch starting = new CountDownLatch(1);
        begin(cleanup, () -> {
            starting.countDown();
            sleep(400); // initdb's template copied, pg_ctl start waiting
            return new Server();
        });
        cleanup.register(() -> closed.add("alembic driver")); // the run goes on meanwhile: nothing waits for the start
        assertTrue(starting.await(5, TimeUnit.SECONDS));

        Thread hook = cleanup.shutdownHook();
        hook.start();
        hook.join(TimeUnit.SECONDS.toMillis(10));

        assertEquals(List.of("alembic driver", "server", "temp folder"), closed);
        assertTrue(cleanup.interrupted());
    }

    @Test
    void theRunGetsTheServerAndItsCloseStopsItOnce() throws Exception {
        Cleanup cleanup = new Cleanup();
        Server server = new Server();
        StartingServer<AutoCloseable> starting = begin(cleanup, () -> server);

        assertSame(server, starting.await());
        cleanup.close();
        cleanup.close();

        assertEquals(List.of("server"), closed);
    }

    @Test
    void aSignalWhileTheScratchDatabaseIsMadeWaitsForItThenRemovesItAndStopsTheServer() throws Exception {
        Cleanup cleanup = new Cleanup();
        cleanup.register(() -> closed.add("temp folder"));
        CountDownLatch making = new CountDownLatch(1);
        StartingServer.begin(cleanup, Server::new, server -> {
            making.countDown();
            sleep(400); // the spare database renamed, the guard token set
            return () -> closed.add("scratch database");
        });
        cleanup.register(() -> closed.add("alembic driver"));
        assertTrue(making.await(5, TimeUnit.SECONDS));

        Thread hook = cleanup.shutdownHook(); // it holds the cleanup's lock while it waits for the start
        hook.start();
        hook.join(TimeUnit.SECONDS.toMillis(10));

        assertEquals(List.of("alembic driver", "scratch database", "server", "temp folder"), closed);
    }

    @Test
    void theRunGetsWhatWasMadeOnTheServer() throws Exception {
        Cleanup cleanup = new Cleanup();
        AutoCloseable scratch = () -> closed.add("scratch database");
        StartingServer<AutoCloseable> starting = StartingServer.begin(cleanup, Server::new, server -> scratch);

        starting.await();
        assertSame(scratch, starting.made());
        cleanup.close();
        assertEquals(List.of("scratch database", "server"), closed);
    }

    @Test
    void aScratchDatabaseThatCannotBeMadeIsTheRunsErrorAndTheServerIsStopped() throws Exception {
        Cleanup cleanup = new Cleanup();
        StartingServer<AutoCloseable> starting = StartingServer.begin(cleanup, Server::new, server -> {
            throw LockwatchException.environment("cannot create a scratch database on " + server.admin());
        });

        LockwatchException e = assertThrows(LockwatchException.class, starting::await);
        assertTrue(e.getMessage().contains("cannot create a scratch database"), e.getMessage());
        cleanup.close();
        assertEquals(List.of("server"), closed);
    }

    @Test
    void aFailedStartIsTheRunsErrorAndLeavesNothingToStop() throws Exception {
        Cleanup cleanup = new Cleanup();
        StartingServer<AutoCloseable> starting = begin(cleanup, () -> {
            throw LockwatchException.environment("embedded Postgres did not start: no shared memory");
        });

        LockwatchException e = assertThrows(LockwatchException.class, starting::await);
        assertTrue(e.getMessage().contains("no shared memory"), e.getMessage());
        cleanup.close();
        assertEquals(List.of(), closed);
    }

    @Test
    void aRunThatNeedsNoServerAfterAllStopsTheOneStartedEarly() throws Exception {
        Cleanup cleanup = new Cleanup();
        begin(cleanup, () -> {
            sleep(200);
            return new Server();
        });

        cleanup.close(); // nothing to verify: the run ends before the start does

        assertEquals(List.of("server"), closed);
    }
}
