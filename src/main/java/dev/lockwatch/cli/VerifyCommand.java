package dev.lockwatch.cli;

import dev.lockwatch.config.DataOptions;
import dev.lockwatch.config.Allowance;
import dev.lockwatch.config.PostgresChoice;
import dev.lockwatch.config.Settings;
import dev.lockwatch.config.TrafficSettings;
import dev.lockwatch.config.RuleLevel;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.report.ControlCharacterWriter;
import dev.lockwatch.report.ReportFormat;
import dev.lockwatch.report.Reporter;
import dev.lockwatch.rules.FindingKinds;
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
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Run each revision on a throwaway Postgres and report the locks that would block production.",
                "",
                "Applies the baseline with one alembic upgrade, then upgrades each newer revision on its own while a "
                        + "second connection watches pg_locks, and reports every lock each revision takes on a table "
                        + "that existed before it, with what that lock would do to a busy production table. Findings "
                        + "also cover table rewrites, validating scans, missing lock timeouts and changes the running "
                        + "application cannot survive; each revision is round-tripped through its downgrade.",
                "Runs on lockwatch's own Postgres and scratch database, never on yours, and never changes the project.",
                ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:no error-level finding",
                "1:error-level findings (a failed revision included)",
                "2:bad usage or configuration",
                "3:environment failure (no alembic, no Postgres, no Docker)"})
public final class VerifyCommand implements Callable<Integer> {
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
                    + "default: every table that exists once the baseline is applied, or with --table-stats the busy "
                    + "ones, to which named tables are added")
    List<String> busyTables = new ArrayList<>();

    @Option(names = "--postgres", paramLabel = "KIND", defaultValue = "auto",
            description = "auto, embedded or container; auto uses a container when a Docker engine is reachable "
                    + "and the image is present, else embedded (default: ${DEFAULT-VALUE})")
    String postgres;

    @Option(names = "--pg-version", paramLabel = "MAJOR", defaultValue = "16",
            description = "PostgreSQL major version, 10 to 18: embedded binaries from Maven Central (downloaded once "
                    + "into ~/.cache/lockwatch), or the postgres:MAJOR image (default: ${DEFAULT-VALUE})")
    String pgVersion;

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "container image, any compatible with the official postgres image (default: postgres:MAJOR "
                    + "of --pg-version)")
    String image;

    @Option(names = "--server-url", paramLabel = "URL",
            description = "use this existing server instead of starting one: lockwatch creates a scratch database "
                    + "lockwatch_<random> there, runs everything in it and drops it; the password may come from PGPASSWORD")
    String serverUrl;

    @Option(names = "--restore", paramLabel = "FILE",
            description = "load this pg_dump (plain SQL, -Fc, -Ft or -Fd) as the baseline instead of upgrading from "
                    + "base, then verify the revisions above its alembic_version; ownership and grants are skipped")
    Path restore;

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "folder of psql and pg_restore for --restore (default: PATH, then the newest "
                    + "/usr/lib/postgresql/N/bin)")
    Path pgBin;

    @Option(names = "--seed-rows", paramLabel = "N", defaultValue = "0",
            description = "fill every busy table of the baseline with N synthetic rows that satisfy its types, NOT NULL, "
                    + "unique and foreign keys, so hold times are measured on volume (default: none)")
    long seedRows;

    @Option(names = "--table-stats", paramLabel = "FILE",
            description = "production's pg_stat_user_tables export, CSV or JSON (query in the README): decides which "
                    + "tables are busy and scales each lock's hold time to an estimate at production size")
    Path tableStats;

    @Option(names = "--busy-min-writes", paramLabel = "N", defaultValue = "" + DataOptions.DEFAULT_BUSY_MIN_WRITES,
            description = "with --table-stats: a table with at least N inserted+updated+deleted rows is busy "
                    + "(default: ${DEFAULT-VALUE})")
    long busyMinWrites;

    @Option(names = "--busy-min-rows", paramLabel = "N", defaultValue = "" + DataOptions.DEFAULT_BUSY_MIN_ROWS,
            description = "with --table-stats: a table with at least N rows is busy (default: ${DEFAULT-VALUE})")
    long busyMinRows;

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

    @Option(names = "--git-base", paramLabel = "REF",
            description = "verify the revision files this branch added since its merge-base with REF (e.g. "
                    + "origin/main), with every other revision as the baseline; edits to revisions that exist on REF "
                    + "are errors (edited-applied-revision). Replaces --from/--to")
    String gitBase;
    @Option(names = "--rule", paramLabel = "NAME=LEVEL",
            description = "set a rule's severity: error, warning, info, or off to drop it (repeatable), "
                    + "e.g. --rule missing-lock-timeout=error")
    List<String> rules = new ArrayList<>();

    @Option(names = "--no-downgrade-check", negatable = false,
            description = "do not round-trip each revision through alembic downgrade and upgrade again")
    boolean noDowngradeCheck;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "report format on standard output, or in --output: text, json, sarif, junit, github, "
                    + "markdown (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "write the --format report to FILE instead of standard output")
    Path output;

    @Option(names = "--report", paramLabel = "FORMAT=PATH",
            description = "also write a report in FORMAT to PATH (- for standard output); repeatable, e.g. "
                    + "--report sarif=out/lockwatch.sarif --report markdown=out/comment.md. The text report stays "
                    + "on standard output unless a --report writes there")
    List<String> reports = new ArrayList<>();

    /** The config file this run used, if any; set by {@link #call()}. */
    private Settings settings;

    @Override
    public Integer call() {
        Optional<Settings> found = Settings.find(iniFolder());
        if (found.isEmpty()) {
            return run();
        }
        Settings file = found.get();
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        List<String> fromFile = SettingsArguments.arguments(file, spec, parsed);
        SettingsArguments.validate(file, fromFile);
        List<String> arguments = new ArrayList<>(fromFile);
        arguments.addAll(parsed.originalArgs().subList(parsed.originalArgs().indexOf(spec.name()) + 1,
                parsed.originalArgs().size()));
        CommandLine merged = new CommandLine(new VerifyCommand());
        merged.setOut(spec.commandLine().getOut());
        merged.setErr(spec.commandLine().getErr());
        try {
            merged.parseArgs(arguments.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw LockwatchException.usage(e.getMessage());
        }
        VerifyCommand effective = merged.getCommand();
        effective.settings = file;
        return effective.run();
    }

    private Path iniFolder() {
        Path parent = config.toAbsolutePath().normalize().getParent();
        return parent == null ? Path.of("/") : parent;
    }

    private Integer run() {
        PrintWriter err = spec.commandLine().getErr();
        FindingKinds kinds = new FindingKinds(RuleSet.defaults());
        List<ReportTarget> targets = reportTargets();
        boolean explicitRange = matched("--from") || matched("--to");
        if (gitBase != null && explicitRange) {
            throw LockwatchException.usage("--git-base chooses the revisions to verify itself: drop --from and --to");
        }
        List<Allowance> allowances = settings == null ? List.of() : settings.allowances();
        for (Allowance allowance : allowances) {
            for (String rule : allowance.rules()) {
                if (kinds.find(rule).isEmpty()) {
                    throw LockwatchException.usage(settings.describe() + ": " + allowance.origin() + " names rule '" + rule
                            + "', which does not exist; rules: " + String.join(", ", kinds.names()));
                }
            }
        }
        VerifyConfig verifyConfig = new VerifyConfig(config, section, ShellWords.split(alembic, "--alembic"), from, to,
                busyTables.stream().map(TableRef::parse).toList(),
                parseEnum(PostgresChoice.class, postgres, "--postgres", "auto, embedded, container"),
                image != null ? image : "postgres:" + pgVersion, pgVersion,
                urlVariable, Duration.ofSeconds(positive(revisionTimeoutSeconds, "--revision-timeout")), 500, versionTable,
                serverUrl, dataOptions(), gitBase, allowances, processPerRevision, trafficSettings(),
                noCache ? null : cacheDir(), ruleLevels(), !noDowngradeCheck);
        RuleSet ruleSet = RuleSet.defaults().configured(verifyConfig.ruleLevels());
        if (settings != null) {
            err.println("lockwatch: config: " + settings.describe());
            err.flush();
        }
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
        for (ReportTarget target : targets) {
            boolean coloured = target.toStdout() && colour(System.getenv(), System.console() != null);
            write(report, target, target.format().reporter(kinds, coloured), coloured);
        }
        return report.hasErrors() ? 1 : 0;
    }

    private DataOptions dataOptions() {
        if (restore != null && !"base".equals(from)) {
            throw LockwatchException.usage("--restore and --from both set the baseline: drop --from, the dump's "
                    + "alembic_version is the baseline");
        }
        if (seedRows < 0 || busyMinWrites < 0 || busyMinRows < 0) {
            throw LockwatchException.usage("--seed-rows, --busy-min-writes and --busy-min-rows take a number of 0 or more");
        }
        return new DataOptions(restore, pgBin, seedRows, tableStats, busyMinWrites, busyMinRows);
    }

    /**
     * {@code --report} targets, plus the {@code --format}/{@code --output} one; that one is left out only when
     * neither was given and a {@code --report} already writes to standard output. Checked before the run, so a
     * typo costs no migration time.
     */
    private List<ReportTarget> reportTargets() {
        ReportFormat main = ReportFormat.parse(format).orElseThrow(() -> LockwatchException.usage("--format " + format
                + " is not one of " + ReportFormat.names()));
        if (output != null && output.toAbsolutePath().getParent() != null && !Files.isDirectory(output.toAbsolutePath().getParent())) {
            throw LockwatchException.usage("--output " + output + ": folder " + output.toAbsolutePath().getParent()
                    + " does not exist");
        }
        List<ReportTarget> targets = new ArrayList<>(reports.stream().map(ReportTarget::parse).toList());
        boolean stdoutTaken = targets.stream().anyMatch(ReportTarget::toStdout);
        if (matched("--format") || matched("--output") || !stdoutTaken) {
            targets.add(0, new ReportTarget(main, output));
        }
        ReportTarget.requireDistinct(targets);
        for (ReportTarget target : targets) {
            Path parent = target.file() == null ? null : target.file().toAbsolutePath().getParent();
            if (parent != null) {
                try {
                    Files.createDirectories(parent);
                } catch (IOException e) {
                    throw LockwatchException.usage("--report " + target + ": cannot create folder " + parent + ": " + e.getMessage());
                }
            }
        }
        return targets;
    }

    private boolean matched(String option) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /** ANSI colour on a terminal, unless NO_COLOR is set to anything but the empty string (no-color.org). */
    static boolean colour(Map<String, String> environment, boolean terminal) {
        String noColour = environment.get("NO_COLOR");
        return terminal && (noColour == null || noColour.isEmpty());
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

    /** @param coloured the reporter writes its own ANSI colours, which must pass */
    private void write(VerifyReport report, ReportTarget target, Reporter reporter, boolean coloured) {
        try {
            if (target.toStdout()) {
                Writer out = coloured ? spec.commandLine().getOut() : new ControlCharacterWriter(spec.commandLine().getOut());
                reporter.write(report, out);
                out.flush();
            } else {
                try (Writer out = new ControlCharacterWriter(new OutputStreamWriter(Files.newOutputStream(target.file()),
                        StandardCharsets.UTF_8))) {
                    reporter.write(report, out);
                }
            }
        } catch (IOException e) {
            throw LockwatchException.environment("cannot write the " + target.format().label() + " report: " + e.getMessage());
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

    /** The longest --revision-timeout: a week, far beyond any deploy, and safely inside every clock lockwatch uses. */
    static final long MAX_TIMEOUT_SECONDS = Duration.ofDays(7).toSeconds();

    private static long positive(long value, String option) {
        if (value <= 0 || value > MAX_TIMEOUT_SECONDS) {
            throw LockwatchException.usage(option + " must be a number of seconds from 1 to " + MAX_TIMEOUT_SECONDS
                    + " (a week), not " + value);
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
