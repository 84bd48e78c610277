package dev.lockwatch.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs the child processes lockwatch starts (alembic, pg_restore, psql) one at a time: each runs to its end or
 * its timeout with its output in a log file, and closing stops the running one with everything it started,
 * so Ctrl-C or a failure elsewhere leaves none behind.
 */
public final class OwnedProcess implements AutoCloseable {
    private volatile Process running;
    private volatile boolean closed;

    /** What the child gets on standard input, written from a thread of its own while it runs. */
    @FunctionalInterface
    public interface Input {
        void writeTo(OutputStream stdin) throws IOException;
    }

    /**
     * One finished run.
     *
     * @param output standard output and error interleaved
     */
    public record Finished(int exitCode, String output, long durationMs, boolean timedOut) {
    }

    /** The program could not be started at all (not installed, not executable). */
    public static final class CannotStart extends IOException {
        CannotStart(IOException cause) {
            super(rootMessage(cause), cause);
        }

        private static String rootMessage(Throwable e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            return cause.getMessage();
        }
    }

    /** Runs {@code builder} with its output in {@code log}; {@code input} null means no standard input. */
    public Finished run(ProcessBuilder builder, Path log, Duration timeout, Input input)
            throws IOException, InterruptedException {
        builder.redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(input == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
                        : ProcessBuilder.Redirect.PIPE);
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new CannotStart(e);
        }
        running = process;
        if (closed) {
            destroyTree(process);
        }
        Thread feeder = input == null ? null : feed(process, input);
        try {
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                destroyTree(process);
            }
            if (feeder != null) {
                feeder.join(TimeUnit.SECONDS.toMillis(5));
            }
            long duration = (System.nanoTime() - started) / 1_000_000;
            return new Finished(finished ? process.exitValue() : -1, Files.readString(log), duration, !finished);
        } catch (InterruptedException e) {
            destroyTree(process);
            throw e;
        } finally {
            running = null;
        }
    }

    private static Thread feed(Process process, Input input) {
        Thread feeder = new Thread(() -> {
            try (OutputStream stdin = process.getOutputStream()) {
                input.writeTo(stdin);
            } catch (IOException stoppedReading) {
                // the child ended early (an error, a timeout): its exit status and output tell why
            }
        }, "lockwatch-stdin");
        feeder.setDaemon(true);
        feeder.start();
        return feeder;
    }

    /** Stops the running child and everything it started (Ctrl-C, SIGTERM, a failure elsewhere). */
    @Override
    public void close() {
        closed = true;
        Process process = running;
        if (process != null) {
            destroyTree(process);
        }
    }

    /** Kills a child and everything it started. */
    public static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
