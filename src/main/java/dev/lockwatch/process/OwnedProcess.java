package dev.lockwatch.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the child processes lockwatch starts (alembic, pg_restore, psql) one at a time: each runs to its end or
 * its timeout with its output in a log file, and closing stops the running one with everything it started,
 * so Ctrl-C or a failure elsewhere leaves none behind.
 */
public final class OwnedProcess implements AutoCloseable {
    /** setsid(1): starts a program in a new session, and so a new process group (util-linux; not on macOS). */
    private static final Optional<java.nio.file.Path> SETSID = java.util.stream.Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(java.nio.file.Path::of).filter(Files::isExecutable).findFirst();
    /** The pids of the children started in a group of their own, which lead it. */
    private static final java.util.Set<Long> GROUP_LEADERS = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
        return run(builder, log, timeout, input, false);
    }

    /**
     * As {@link #run(ProcessBuilder, Path, Duration, Input)}; with {@code ownGroup} the child leads a process group
     * of its own, and whatever of it still runs when it ends is killed (a revision's background processes).
     */
    public Finished run(ProcessBuilder builder, Path log, Duration timeout, Input input, boolean ownGroup)
            throws IOException, InterruptedException {
        builder.redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(input == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
                        : ProcessBuilder.Redirect.PIPE);
        long started = System.nanoTime();
        Process process;
        try {
            process = ownGroup ? startInOwnGroup(builder) : builder.start();
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
            return new Finished(finished ? process.exitValue() : -1, OutputFile.read(log), duration, !finished);
        } catch (InterruptedException e) {
            destroyTree(process);
            throw e;
        } finally {
            killGroup(process); // what it left running in the background (a daemonised child) ends with it
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

    /**
     * Starts {@code builder}'s command as the leader of a process group of its own (through {@code setsid}, where
     * there is one), so that {@link #destroyTree} finds what it started even after a child left the tree (a
     * daemonised process).
     */
    public static Process startInOwnGroup(ProcessBuilder builder) throws IOException {
        if (SETSID.isPresent()) {
            List<String> grouped = new ArrayList<>(List.of(SETSID.get().toString()));
            grouped.addAll(builder.command());
            builder.command(grouped);
        }
        Process process = builder.start();
        if (SETSID.isPresent()) {
            GROUP_LEADERS.add(process.pid());
        }
        return process;
    }

    /** Kills a child and everything it started: its process tree and, when it leads one, its process group. */
    public static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killGroup(process);
    }

    /** Kills the process group a child started by {@link #inOwnGroup} leads (its id is the child's pid). */
    private static void killGroup(Process process) {
        if (!GROUP_LEADERS.contains(process.pid())) {
            return;
        }
        if (!process.isAlive()) {
            GROUP_LEADERS.remove(process.pid()); // killed below for the last time
        }
        try {
            // the group outlives its leader while members remain, and its id is not reused meanwhile
            new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill(1): the process tree was killed above all the same
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
