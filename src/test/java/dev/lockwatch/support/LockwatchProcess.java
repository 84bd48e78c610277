package dev.lockwatch.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * lockwatch as its own JVM, as {@code java -jar lockwatch.jar} runs: for signals, and for environments
 * (variables, home folder, temp folder) a test cannot change in its own JVM.
 */
public final class LockwatchProcess {
    private final List<String> command = new ArrayList<>();
    private final Map<String, String> environment = new java.util.HashMap<>();
    private final Path log;

    /** @param tmp java.io.tmpdir of the child: its temp folders and embedded servers' data land there */
    public LockwatchProcess(Path tmp, Path log, String... args) {
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.log = log;
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), "dev.lockwatch.cli.Main"));
        command.addAll(List.of(args));
        // the embedded server's data in tmp too (not /dev/shm), where the leftover checks look
        environment.put("LOCKWATCH_SERVER_DIR", tmp.toString());
    }

    /** Sets (or, with null, removes) a variable of the child's environment. */
    public LockwatchProcess env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Sets the child's home folder (system property and HOME), e.g. for an empty download cache. */
    public LockwatchProcess home(Path home) {
        command.add(1, "-Duser.home=" + home);
        return env("HOME", home.toString());
    }

    public Process start() {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs to the end (at most {@code seconds}) and returns the exit status and everything printed. */
    public Lockwatch.Result run(int seconds) {
        Process process = start();
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("lockwatch did not finish within " + seconds + " s: " + output());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return new Lockwatch.Result(process.exitValue(), "", output());
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
