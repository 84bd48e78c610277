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
        StartingServer.begin(cleanup, () -> {
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
        StartingServer starting = StartingServer.begin(cleanup, () -> server);

        assertSame(server, starting.await());
        cleanup.close();
        cleanup.close();

        assertEquals(List.of("server"), closed);
    }

    @Test
    void aFailedStartIsTheRunsErrorAndLeavesNothingToStop() throws Exception {
        Cleanup cleanup = new Cleanup();
        StartingServer starting = StartingServer.begin(cleanup, () -> {
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
        StartingServer.begin(cleanup, () -> {
            sleep(200);
            return new Server();
        });

        cleanup.close(); // nothing to verify: the run ends before the start does

        assertEquals(List.of("server"), closed);
    }
}
