package dev.lockwatch.cli;

import dev.lockwatch.config.PostgresChoice;
import dev.lockwatch.config.RuleLevel;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.report.JsonReporter;
import dev.lockwatch.report.Reporter;
import dev.lockwatch.report.TextReporter;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.run.Cleanup;
import dev.lockwatch.run.VerifyRun;
import dev.lockwatch.watch.Capture;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Applies the baseline with one alembic upgrade, then upgrades each newer revision on its own while a "
                        + "second connection watches pg_locks, and reports every lock each revision takes on a table "
                        + "that existed before it, with what that lock would do to a busy production table. Findings "
                        + "also cover table rewrites, validating scans, missing lock timeouts and changes the running "
                        + "application cannot survive; each revision is round-tripped through its downgrade.",
                "Runs on lockwatch's own Postgres and scratch database; never on yours, and never changes the project."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:no error-level finding",
                "1:error-level findings (a failed revision included)",
                "2:bad usage or configuration",
                "3:environment failure (no alembic, no Postgres, no Docker)"})
public final class VerifyCommand implements Callable<Integer> {
    enum Format { text, json }

    /** What a shell reports for a process ended by SIGINT. */
    private static final int INTERRUPTED = 130;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "PATH", defaultValue = "alembic.ini",
            description = "alembic.ini of the project (default: ${DEFAULT-VALUE}); alembic runs in its folder")
    Path config;

    @Option(names = {"-n", "--name"}, paramLabel = "SECTION", defaultValue = "alembic",
            description = "ini section alembic reads, as alembic's --name (default: ${DEFAULT-VALUE})")
    String section;

    @Option(names = "--alembic", paramLabel = "CMD", defaultValue = "alembic",
            description = "command that runs alembic, e.g. \"poetry run alembic\" (default: ${DEFAULT-VALUE})")
    String alembic;

    @Option(names = "--from", paramLabel = "REV", defaultValue = "base",
            description = "baseline: applied with one alembic upgrade, not verified (default: ${DEFAULT-VALUE})")
    String from;

    @Option(names = "--to", paramLabel = "REV",
            description = "last revision to verify, or heads for all (default: every head; more than one head is a "
                    + "multiple-heads finding)")
    String to;

    @Option(names = "--busy-table", paramLabel = "TABLE",
            description = "a table with production traffic, schema.table or table (repeatable); "
                    + "default: every table that exists once the baseline is applied")
    List<String> busyTables = new ArrayList<>();

    @Option(names = "--postgres", paramLabel = "KIND", defaultValue = "auto",
            description = "auto, embedded or container; auto uses a container when a Docker engine is reachable "
                    + "(default: ${DEFAULT-VALUE})")
    String postgres;

    @Option(names = "--image", paramLabel = "IMAGE", defaultValue = "postgres:16",
            description = "container image (default: ${DEFAULT-VALUE})")
    String image;

    @Option(names = "--pg-version", paramLabel = "MAJOR", defaultValue = "16",
            description = "embedded PostgreSQL major version (default: ${DEFAULT-VALUE})")
    String pgVersion;

    @Option(names = "--server-url", paramLabel = "URL",
            description = "use this existing server instead of starting one: lockwatch creates a scratch database "
                    + "lockwatch_<random> there, runs everything in it and drops it; the password may come from PGPASSWORD")
    String serverUrl;

    @Option(names = "--url-env", paramLabel = "VAR", defaultValue = "DATABASE_URL",
            description = "environment variable env.py reads the database URL from (default: ${DEFAULT-VALUE}); "
                    + "sqlalchemy.url in the ini is set too")
    String urlVariable;

    @Option(names = "--revision-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "stop a revision that runs longer (default: ${DEFAULT-VALUE})")
    long revisionTimeoutSeconds;

    @Option(names = "--version-table", paramLabel = "NAME", defaultValue = Capture.DEFAULT_VERSION_TABLE,
            description = "alembic's version table (default: ${DEFAULT-VALUE})")
    String versionTable;

    @Option(names = "--rule", paramLabel = "NAME=LEVEL",
            description = "set a rule's severity: error, warning, info, or off to drop it (repeatable), "
                    + "e.g. --rule missing-lock-timeout=error")
    List<String> rules = new ArrayList<>();

    @Option(names = "--no-downgrade-check", negatable = false,
            description = "do not round-trip each revision through alembic downgrade and upgrade again")
    boolean noDowngradeCheck;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "write the report to FILE instead of standard output")
    Path output;

    @Override
    public Integer call() {
        Format reportFormat = parseEnum(Format.class, format, "--format", "text, json");
        VerifyConfig verifyConfig = new VerifyConfig(config, section, ShellWords.split(alembic, "--alembic"), from, to,
                busyTables.stream().map(TableRef::parse).toList(),
                parseEnum(PostgresChoice.class, postgres, "--postgres", "auto, embedded, container"), image, pgVersion,
                urlVariable, Duration.ofSeconds(positive(revisionTimeoutSeconds, "--revision-timeout")), 500, versionTable,
                serverUrl, ruleLevels(), !noDowngradeCheck);
        RuleSet ruleSet = RuleSet.defaults().configured(verifyConfig.ruleLevels());
        if (output != null && output.toAbsolutePath().getParent() != null && !Files.isDirectory(output.toAbsolutePath().getParent())) {
            throw LockwatchException.usage("--output " + output + ": folder " + output.toAbsolutePath().getParent()
                    + " does not exist");
        }
        PrintWriter err = spec.commandLine().getErr();
        VerifyReport report;
        Cleanup cleanup = new Cleanup();
        Thread hook = cleanup.shutdownHook();
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            report = new VerifyRun(verifyConfig, ruleSet, cleanup, line -> {
                err.println("lockwatch: " + line);
                err.flush();
            }).execute();
        } catch (RuntimeException e) {
            if (cleanup.interrupted()) {
                return INTERRUPTED;
            }
            throw e;
        } finally {
            cleanup.close();
            removeHook(hook);
        }
        write(report, reportFormat == Format.json ? new JsonReporter() : new TextReporter());
        return report.hasErrors() ? 1 : 0;
    }

    private void write(VerifyReport report, Reporter reporter) {
        try {
            if (output == null) {
                Writer out = spec.commandLine().getOut();
                reporter.write(report, out);
                out.flush();
            } else {
                try (Writer out = new OutputStreamWriter(Files.newOutputStream(output), StandardCharsets.UTF_8)) {
                    reporter.write(report, out);
                }
            }
        } catch (IOException e) {
            throw LockwatchException.environment("cannot write the report: " + e.getMessage(), e);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is already running; it finds nothing left to close
        }
    }

    /** {@code --rule NAME=LEVEL} options by rule name; the rule names are checked by the rule set. */
    private Map<String, RuleLevel> ruleLevels() {
        Map<String, RuleLevel> levels = new LinkedHashMap<>();
        for (String rule : rules) {
            int equals = rule.indexOf('=');
            if (equals <= 0) {
                throw LockwatchException.usage("--rule " + rule + ": write NAME=LEVEL, e.g. --rule missing-lock-timeout=error");
            }
            String level = rule.substring(equals + 1).strip();
            RuleLevel parsed = java.util.Arrays.stream(RuleLevel.values()).filter(l -> l.name().equalsIgnoreCase(level))
                    .findFirst().orElseThrow(() -> LockwatchException.usage("--rule " + rule + ": " + level
                            + " is not one of error, warning, info, off"));
            levels.put(rule.substring(0, equals).strip(), parsed);
        }
        return levels;
    }

    private static long positive(long value, String option) {
        if (value <= 0) {
            throw LockwatchException.usage(option + " must be a positive number of seconds, not " + value);
        }
        return value;
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String value, String option, String allowed) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        throw LockwatchException.usage(option + " " + value + " is not one of " + allowed);
    }
}
