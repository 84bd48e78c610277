package dev.lockwatch.cli;

import dev.lockwatch.config.Allowance;
import dev.lockwatch.config.Settings;
import dev.lockwatch.config.RuleLevel;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.report.ControlCharacterWriter;
import dev.lockwatch.report.Layout;
import dev.lockwatch.report.Reporter;
import dev.lockwatch.rules.FindingKinds;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.run.Cleanup;
import dev.lockwatch.run.VerifyRun;
import dev.lockwatch.capture.Capture;
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
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Run each revision on a throwaway Postgres and report the locks that would block production.",
                "",
                "Applies the baseline with one alembic upgrade, then runs the revisions above it as they deploy: "
                        + "with --from or --git-base one alembic upgrade of them all, as production runs it; without, "
                        + "each revision its own upgrade. Triggers in the server report what each statement locks and "
                        + "changes; every lock on a table that existed before the deploy is reported with what it "
                        + "would do to a busy production table. Findings also cover table rewrites, validating scans, "
                        + "missing lock timeouts and changes the running application cannot survive. Then each "
                        + "revision is round-tripped, unwatched: upgrade, downgrade one step, upgrade again.",
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

    @Option(names = "--alembic", paramLabel = "CMD", defaultValue = "${env:LOCKWATCH_ALEMBIC:-alembic}",
            description = "command that runs alembic, e.g. \"poetry run alembic\" (default: ${DEFAULT-VALUE}; "
                    + "LOCKWATCH_ALEMBIC sets it, as the pip-installed lockwatch does for its Python's alembic)")
    String alembic;

    @ArgGroup(exclusive = true)
    RevisionRange range;

    @Option(names = "--busy-table", paramLabel = "TABLE",
            description = "a table with production traffic, schema.table or table (repeatable); "
                    + "default: every table that exists once the baseline is applied, or with --table-stats the busy "
                    + "ones, to which named tables are added")
    List<String> busyTables = new ArrayList<>();

    @Mixin
    PostgresOptions server;

    @Mixin
    DataArguments data;

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

    @Mixin
    TrafficOptions traffic;

    @Mixin
    ThresholdOptions thresholds;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "keep migrated baselines (embedded Postgres) here between runs, so an unchanged baseline "
                    + "is not upgraded again (default: $XDG_CACHE_HOME/lockwatch or ~/.cache/lockwatch)")
    Path cacheDir;

    @Option(names = "--no-cache", description = "always apply the baseline; neither read nor write the cache")
    boolean noCache;

    @Option(names = "--version-table", paramLabel = "NAME", defaultValue = Capture.DEFAULT_VERSION_TABLE,
            description = "alembic's version table (default: ${DEFAULT-VALUE})")
    String versionTable;

    @Option(names = "--rule", paramLabel = "NAME=LEVEL", converter = {RuleName.class, Level.class}, mapFallbackValue = "",
            description = "set a rule's severity: error, warning, info, or off to drop it (repeatable), "
                    + "e.g. --rule missing-lock-timeout=error")
    Map<String, RuleLevel> rules = new LinkedHashMap<>();

    @Option(names = "--no-downgrade-check", negatable = false,
            description = "do not round-trip each revision through alembic downgrade and upgrade again")
    boolean noDowngradeCheck;

    @Option(names = "--step", description = "with --from or --git-base, run each pending revision as its own alembic "
            + "upgrade instead of one upgrade of them all as the deploy runs it: to isolate a revision")
    boolean step;

    @Mixin
    ReportOptions reports;

    /** The config file this run used, if any; set by {@link #call()}. */
    private Settings settings;

    @Override
    public Integer call() {
        Optional<Settings> found = Settings.find(iniFolder(), dev.lockwatch.config.ConfigTrust.fromEnvironment(),
                note -> spec.commandLine().getErr().println("lockwatch: config: " + note));
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
            throw LockwatchException.usage(LockwatchCommand.message(e));
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
        List<ReportTarget> targets = reports.targets(this::matched);
        RevisionRange range = range();
        List<Allowance> allowances = settings == null ? List.of() : settings.allowances();
        for (Allowance allowance : allowances) {
            for (String rule : allowance.rules()) {
                if (kinds.find(rule).isEmpty()) {
                    throw LockwatchException.usage(settings.describe() + ": " + allowance.origin() + " names rule '" + rule
                            + "', which does not exist; rules: " + String.join(", ", kinds.names()));
                }
            }
        }
        VerifyConfig verifyConfig = new VerifyConfig(config, section, ShellWords.split(alembic, "--alembic"), range.from(),
                range.to(), busyTables.stream().map(TableRef::parse).toList(), server.postgres, server.image(),
                server.pgVersion, urlVariable, Duration.ofSeconds(positive(revisionTimeoutSeconds, "--revision-timeout")),
                500, versionTable, server.serverUrl, data.options(range.from()), range.gitBase(), allowances,
                processPerRevision, traffic.settings(Duration.ofSeconds(revisionTimeoutSeconds)),
                noCache ? null : cacheDir(), rules, !noDowngradeCheck,
                VerifyConfig.Deploy.of(matched("--from") || range.gitBase() != null || data.restore != null, step));
        RuleSet ruleSet = thresholds.rules().configured(verifyConfig.ruleLevels());
        if (settings != null) {
            err.println("lockwatch: config: " + settings.describe());
            err.flush();
        }
        VerifyReport report = null;
        Cleanup cleanup = new Cleanup();
        Thread hook = cleanup.shutdownHook();
        Runtime.getRuntime().addShutdownHook(hook);
        Thread closing = null;
        try {
            java.util.Set<String> said = new java.util.HashSet<>(); // a note is said once, however often it applies
            VerifyRun.Observed observed = new VerifyRun(verifyConfig, ruleSet, cleanup, line -> {
                if (!line.startsWith("note:") || said.add(line)) {
                    err.println("lockwatch: " + line);
                    err.flush();
                }
            }).execute();
            // the review and the report need nothing the run started: they are made while alembic, the server and the
            // temp folder go (mostly waiting for other processes), and lockwatch ends once both are done
            Thread thread = new Thread(cleanup::close, "lockwatch-close");
            thread.start();
            closing = thread;
            report = observed.reviewed();
        } catch (RuntimeException e) {
            if (cleanup.interrupted()) {
                return INTERRUPTED;
            }
            throw e;
        } finally {
            if (closing == null) {
                cleanup.close();
                removeHook(hook);
            } else if (report == null) { // the review failed: what the run started still goes before lockwatch ends
                awaitUninterruptibly(closing);
                removeHook(hook);
            }
        }
        try {
            for (ReportTarget target : targets) {
                boolean toTerminal = target.toStdout() && System.console() != null;
                boolean coloured = target.toStdout() && colour(System.getenv(), toTerminal);
                write(report, target, target.format().reporter(kinds, new Layout(coloured,
                        target.toStdout() ? Layout.width(System.getenv()) : Layout.DEFAULT_WIDTH, reports.verbose)), coloured);
            }
        } finally {
            awaitUninterruptibly(closing);
            removeHook(hook);
        }
        return report.hasErrors() ? 1 : 0;
    }

    /** Waits for the run's cleanup to end: lockwatch never exits leaving a server or temp folder behind. */
    private static void awaitUninterruptibly(Thread closing) {
        boolean interrupted = false;
        while (closing.isAlive()) {
            try {
                closing.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
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

    /** The longest --revision-timeout: a week, far beyond any deploy, and safely inside every clock lockwatch uses. */
    static final long MAX_TIMEOUT_SECONDS = Duration.ofDays(7).toSeconds();

    private static long positive(long value, String option) {
        if (value <= 0 || value > MAX_TIMEOUT_SECONDS) {
            throw LockwatchException.usage(option + " must be a number of seconds from 1 to " + MAX_TIMEOUT_SECONDS
                    + " (a week), not " + value);
        }
        return value;
    }

    /** The revisions to verify; with none of its options given, the defaults (picocli leaves the group null). */
    private RevisionRange range() {
        return range == null ? new RevisionRange() : range;
    }

    /** A rule's name as {@code --rule} gives it; the rule set checks that it exists. */
    static final class RuleName implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            return value.strip();
        }
    }

    /** A rule's level; {@code --rule NAME} without {@code =LEVEL} arrives here empty. */
    static final class Level extends EnumConverter<RuleLevel> {
        Level() {
            super(RuleLevel.class, "--rule");
        }

        @Override
        public RuleLevel convert(String value) {
            if (value.isBlank()) {
                throw new EnumConverter.Refused("--rule takes NAME=LEVEL, e.g. --rule missing-lock-timeout=error");
            }
            return super.convert(value);
        }
    }
}
