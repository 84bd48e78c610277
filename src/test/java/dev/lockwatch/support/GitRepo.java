package dev.lockwatch.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real git repository in a test folder, driven with the real git command line. */
public final class GitRepo {
    private final Path root;

    private GitRepo(Path root) {
        this.root = root;
    }

    /** {@code git init} with a main branch and a committer identity of its own. */
    public static GitRepo init(Path root) {
        GitRepo repo = new GitRepo(root);
        repo.git("init", "-q", "-b", "main");
        repo.git("config", "user.email", "test@lockwatch.invalid");
        repo.git("config", "user.name", "lockwatch test");
        repo.git("config", "commit.gpgsign", "false");
        return repo;
    }

    public GitRepo commitAll(String message) {
        git("add", "-A");
        git("commit", "-q", "-m", message);
        return this;
    }

    public GitRepo checkoutNewBranch(String name) {
        git("checkout", "-q", "-b", name);
        return this;
    }

    /** Runs git in the repository and returns its standard output; fails the test on a non-zero exit. */
    public String git(String... arguments) {
        List<String> command = new ArrayList<>(List.of("git", "-C", root.toString()));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
