package dev.lockwatch.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program as a user would from a shell: the packaging tests' pip, docker and the action's script. */
public final class Shell {
    private Shell() {
    }

    /**
     * Runs {@code command} in {@code dir} with {@code environment} added (a null value removes the variable) and
     * returns its exit status, standard output and standard error; fails the test after {@code seconds}.
     */
    public static Lockwatch.Result run(Path dir, Map<String, String> environment, int seconds, List<String> command) {
        try {
            Path out = Files.createTempFile("lockwatch-shell", ".out");
            Path err = Files.createTempFile("lockwatch-shell", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                environment.forEach((name, value) -> {
                    if (value == null) {
                        builder.environment().remove(name);
                    } else {
                        builder.environment().put(name, value);
                    }
                });
                Process process = builder.start();
                if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroy);
                    process.destroy();
                    process.waitFor(30, TimeUnit.SECONDS);
                    throw new AssertionError(command + " did not finish within " + seconds + " s: " + Files.readString(err));
                }
                return new Lockwatch.Result(process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@link #run} that fails the test unless the command succeeds. */
    public static String check(Path dir, Map<String, String> environment, int seconds, List<String> command) {
        Lockwatch.Result result = run(dir, environment, seconds, command);
        if (result.exitCode() != 0) {
            throw new AssertionError(command + " exited " + result.exitCode() + ": " + result.err() + result.out());
        }
        return result.out();
    }

    /** Copies a folder tree, e.g. the bundled example, so a test can change or write into the copy. */
    public static void copyTree(Path from, Path to) {
        try (var paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
