package dev.lockwatch.git;

import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The {@code git} command line, run in one folder; read-only commands only. */
final class Git {
    private static final long TIMEOUT_SECONDS = 60;

    private final Path folder;

    Git(Path folder) {
        this.folder = folder;
    }

    /** What one git command printed. */
    record Output(int exitCode, String text, String error) {

        boolean ok() {
            return exitCode == 0;
        }

        /** The output of {@code -z} commands: NUL-separated fields. */
        List<String> fields() {
            return Arrays.stream(text.split("\0")).filter(s -> !s.isEmpty()).toList();
        }

        String firstErrorLine() {
            return error.strip().lines().findFirst().orElse("exit " + exitCode);
        }

        Output orFail(String option) {
            if (!ok()) {
                throw LockwatchException.usage(option + ": git failed: " + firstErrorLine());
            }
            return this;
        }
    }

    Output run(String... arguments) {
        List<String> command = new ArrayList<>(List.of("git", "-C", folder.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw LockwatchException.environment("cannot run git (" + e.getMessage() + "): install git to use --git-base");
        }
        try {
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw LockwatchException.environment("git " + arguments[0] + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Output(process.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while git ran");
        }
    }

    private static byte[] read(java.io.InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
