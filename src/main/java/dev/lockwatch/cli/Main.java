package dev.lockwatch.cli;

import picocli.CommandLine;

public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(BoundedJvm.relaunch(args).orElseGet(() -> run(args)));
    }

    /** Runs the command line and returns its exit status (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line: exit codes, error handlers, subcommands. */
    public static CommandLine commandLine() {
        return LockwatchCommand.commandLine();
    }
}
