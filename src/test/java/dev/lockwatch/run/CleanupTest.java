package dev.lockwatch.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shutdown hook against a run's own close and creations, in memory: the JVM halts when the hook returns. */
class CleanupTest {

    @Test
    void aSignalDuringTheRunsOwnCloseWaitsForItToFinish() throws Exception {
        Cleanup cleanup = new Cleanup();
        List<String> closed = new CopyOnWriteArrayList<>();
        CountDownLatch dropping = new CountDownLatch(1);
        cleanup.register(() -> closed.add("temp folder"));
        cleanup.register(() -> {
            dropping.countDown();
            Thread.sleep(300); // the scratch database's drop, waiting for alembic's sessions to end
            closed.add("scratch database");
        });
        Thread run = new Thread(cleanup::close);
        run.start();
        assertTrue(dropping.await(5, TimeUnit.SECONDS));
        Thread hook = cleanup.shutdownHook();
        hook.start();
        hook.join(TimeUnit.SECONDS.toMillis(5));
        assertEquals(List.of("scratch database", "temp folder"), closed, "all of the run's close, before the JVM halts");
        assertFalse(cleanup.interrupted(), "the run had ended: nothing was interrupted");
        run.join();
    }

    @Test
    void aSignalDuringACreationWaitsForItThenRemovesIt() throws Exception {
        Cleanup cleanup = new Cleanup();
        List<String> closed = new CopyOnWriteArrayList<>();
        CountDownLatch creating = new CountDownLatch(1);
        Thread run = new Thread(() -> cleanup.create(() -> {
            creating.countDown();
            try {
                Thread.sleep(300); // CREATE DATABASE in flight
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return () -> closed.add("scratch database");
        }));
        run.start();
        assertTrue(creating.await(5, TimeUnit.SECONDS));
        Thread hook = cleanup.shutdownHook();
        hook.start();
        hook.join(TimeUnit.SECONDS.toMillis(5));
        assertEquals(List.of("scratch database"), closed);
        assertTrue(cleanup.interrupted());
        run.join();
    }
}
