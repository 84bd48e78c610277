package dev.lockwatch.cli;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.report.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "lockwatch", mixinStandardHelpOptions = true, versionProvider = LockwatchCommand.VersionProvider.class,
        description = "Dry-runs Alembic migrations on a throwaway PostgreSQL and reports the locks that would block "
                + "production traffic.",
        subcommands = {VerifyCommand.class, ExplainCommand.class, CommandLine.HelpCommand.class},
        footer = "%nRun 'lockwatch verify --help' for the options and exit statuses.")
public final class LockwatchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new LockwatchCommand());
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            if (e instanceof LockwatchException failure) {
                cl.getErr().println("lockwatch: " + failure.getMessage());
                return failure.exitCode();
            }
            cl.getErr().println("lockwatch: internal error: " + e);
            e.printStackTrace(cl.getErr());
            return LockwatchException.ENVIRONMENT;
        });
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine cl = e.getCommandLine();
            cl.getErr().println("lockwatch: " + dev.lockwatch.postgres.ServerUrl.withoutPasswords(message(e), args) + " (see " + cl.getCommandSpec().qualifiedName() + " --help)");
            return LockwatchException.USAGE;
        });
        return commandLine;
    }

    /**
     * A bad argument in lockwatch's words: a converter's own one-line message without picocli's "Invalid value for
     * option" prefix, and the revision range's conflict said as what to drop.
     */
    static String message(CommandLine.ParameterException e) {
        if (e.getCause() instanceof EnumConverter.Refused conversion) {
            return conversion.getMessage();
        }
        return RevisionRange.conflict(e).orElse(e.getMessage());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. lockwatch verify");
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lockwatch " + Version.current()};
        }
    }
}
