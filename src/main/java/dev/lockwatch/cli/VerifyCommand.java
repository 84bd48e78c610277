package dev.lockwatch.cli;

import dev.lockwatch.config.PostgresChoice;
import dev.lockwatch.config.TrafficSettings;
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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Run each revision on a throwaway Postgres and report the locks that would block production.",
                "",
                "Applies the baseline with one alembic upgrade, then upgrades each newer revision on its own while a "
                        + "second connection watches pg_locks, and reports every lock each revision takes on a table "
                        + "that existed before it, with what that lock would do to a busy production table.",
                "Runs on lockwatch's own Postgres and scratch database, never on yours, and never changes the project.",
                ""},
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

    @Option(names = "--to", paramLabel = "REV", defaultValue = "head",
            description = "last revision to verify (default: the single head)")
    String to;

    @Option(names = "--busy-table", paramLabel = "TABLE",
            description = "a table with production traffic, schema.table or table (repeatable); "
                    + "default: every table that exists once the baseline is applied")
    List<String> busyTables = new ArrayList<>();

    @Option(names = "--postgres", paramLabel = "KIND", defaultValue = "auto",
            description = "auto, embedded or container; auto uses a container when a Docker engine is reachable "
                    + "and the image is present, else embedded (default: ${DEFAULT-VALUE})")
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

    @Option(names = "--process-per-revision",
            description = "run each alembic command in its own process, exactly as typed (slower); by default one "
                    + "long-lived Python runs them through alembic's command API when alembic is a Python script")
    boolean processPerRevision;

    @Option(names = "--traffic",
            description = "during each revision, run a steady read/insert/update workload on every busy table and "
                    + "report how long requests stalled and which statements they waited on")
    boolean traffic;

    @Option(names = "--traffic-rate", paramLabel = "N", defaultValue = "20",
            description = "requests per second per table and kind (read, insert, update) with --traffic "
                    + "(default: ${DEFAULT-VALUE})")
    int trafficRate;

    @Option(names = "--stall-threshold", paramLabel = "DURATION", defaultValue = "100ms",
            converter = DurationConverter.class,
            description = "a request slower than this counts as stalled (default: ${DEFAULT-VALUE})")
    Duration stallThreshold;

    @Option(names = "--long-transaction", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "with each revision, hold an ordinary open transaction on the busy tables for this long "
                    + "(e.g. 5s), the way a slow report query does; implies --traffic")
    Duration longTransaction;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "keep migrated baselines (embedded Postgres) here between runs, so an unchanged baseline "
                    + "is not upgraded again (default: $XDG_CACHE_HOME/lockwatch or ~/.cache/lockwatch)")
    Path cacheDir;

    @Option(names = "--no-cache", description = "always apply the baseline; neither read nor write the cache")
    boolean noCache;

    @Option(names = "--version-table", paramLabel = "NAME", defaultValue = Capture.DEFAULT_VERSION_TABLE,
            description = "alembic's version table (default: ${DEFAULT-VALUE})")
    String versionTable;

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
                urlVariable, Duration.ofSeconds(positive(revisionTimeoutSeconds, "--revision-timeout")), 500, versionTable, serverUrl,
                processPerRevision, trafficSettings(), noCache ? null : cacheDir());
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
            report = new VerifyRun(verifyConfig, RuleSet.defaults(), cleanup, line -> {
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

    private Path cacheDir() {
        if (cacheDir != null) {
            return cacheDir;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("lockwatch").resolve("baselines");
    }

    private TrafficSettings trafficSettings() {
        if (!traffic && longTransaction == null) {
            return null;
        }
        if (trafficRate <= 0 || trafficRate > 1000) {
            throw LockwatchException.usage("--traffic-rate must be between 1 and 1000 requests per second, not " + trafficRate);
        }
        return new TrafficSettings(trafficRate, stallThreshold, longTransaction == null ? Duration.ZERO : longTransaction,
                Duration.ofSeconds(revisionTimeoutSeconds));
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
