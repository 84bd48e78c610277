package dev.lockwatch.alembic;

import dev.lockwatch.capture.AfterStatements;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.process.OwnedProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs the user's alembic against lockwatch's scratch database, with the ini's folder as working directory.
 * The database URL reaches env.py both ways users configure it: a copy of the ini with {@code sqlalchemy.url}
 * replaced (the original is never touched) and an environment variable; the libpq variables point at the
 * scratch database too, so an env.py that builds its own URL lands there.
 *
 * <p>When the alembic command is a plain Python script, one long-lived driver process runs every command
 * through alembic's command API (no interpreter start per revision). Otherwise, or when that Python cannot
 * import alembic, or with {@code shareInterpreter} off, each command is its own {@code alembic} subprocess,
 * exactly as a user would type it.
 */
public final class AlembicRunner implements AutoCloseable {
    /** Tags the migration's backend in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "lockwatch-migration";
    /**
     * Tags the downgrade round trip's commands: lockwatch judges upgrades only, so its gates let these through
     * without pausing (capture.sql's {@code lockwatch.skip()}).
     */
    public static final String UNJUDGED_APPLICATION_NAME = "lockwatch-unjudged";

    /** As long as the one-shot graph read ({@link ScriptDirectoryReader}) is given. */
    private static final Duration GRAPH_TIMEOUT = Duration.ofMinutes(3);

    private final List<String> command;
    private final AlembicIni ini;
    private final Path iniCopy;
    private final Path workFolder;
    private final String urlVariable;
    private final boolean shareInterpreter;
    private final OwnedProcess process = new OwnedProcess();
    private final Path hookFolder;
    private DatabaseTarget target;
    private SessionGuard guard;
    private int invocations;
    private volatile AlembicDriver driver;
    /** The query judged upgrades' sessions report after each statement (best-effort capture), else empty. */
    private Optional<AfterStatements> afterStatement = Optional.empty();
    /** The driver answered that it imported alembic. */
    private boolean driverStarted;
    /** ... and was told the database. */
    private boolean driverReady;
    private boolean driverUnavailable;
    /** Unwatched upgrades and downgrades share env.py runs (the stairway's: {@link #flyUnjudged}). */
    private boolean flights;
    /** Stopped for good: no driver starts again (a command after close gets a subprocess, stopped at once). */
    private volatile boolean closed;

    /**
     * Prepares alembic for this project; with {@code shareInterpreter}, the driver starts at once, so Python's
     * start overlaps the server's. No command runs before {@link #useDatabase} says where.
     */
    public AlembicRunner(List<String> command, AlembicIni ini, Path workFolder, String urlVariable,
                         boolean shareInterpreter) {
        this.command = List.copyOf(command);
        this.ini = ini;
        this.workFolder = workFolder;
        this.urlVariable = urlVariable;
        this.shareInterpreter = shareInterpreter;
        this.iniCopy = workFolder.resolve("alembic.ini");
        this.hookFolder = workFolder.resolve("python");
        try {
            Files.createDirectories(hookFolder);
            for (String file : List.of("sitecustomize.py", SessionGuard.SCRIPT)) {
                try (var hook = AlembicRunner.class.getResourceAsStream(file)) {
                    Files.write(hookFolder.resolve(file), hook.readAllBytes());
                }
            }
            // what the driver reads the revision graph from before the database is known: a URL that names none
            Files.writeString(iniCopy, ini.withUrl(""));
        } catch (IOException e) {
            throw unwritable(e);
        }
        if (shareInterpreter) {
            launchDriver();
        }
    }

    /**
     * The revision graph as the shared driver's alembic reads it, before any database is known (the run's first
     * request, so Python's start serves both, and the upgrades reuse the script directory it read); empty when
     * commands run as subprocesses, or when the driver could not answer (no alembic in that Python).
     */
    Optional<com.fasterxml.jackson.databind.JsonNode> graphFromDriver() {
        AlembicDriver shared = startedDriver();
        if (shared == null) {
            return Optional.empty();
        }
        Optional<com.fasterxml.jackson.databind.JsonNode> answer = shared.graph(GRAPH_TIMEOUT);
        if (answer.isEmpty()) {
            driver = null; // it ended: the next command starts a fresh one
        }
        return answer;
    }

    /** Where every command runs: lockwatch's scratch database, named in a copy of the ini and the environment. */
    public void useDatabase(DatabaseTarget database) {
        useDatabase(database, "");
    }

    /**
     * {@link #useDatabase(DatabaseTarget)}, and every session alembic opens must prove it reached it: its
     * {@code current_database()} and, unless empty, its {@code current_setting('lockwatch.token')}.
     */
    public void useDatabase(DatabaseTarget database, String guardToken) {
        this.target = database;
        this.guard = new SessionGuard(database.database(), guardToken, workFolder.resolve("guard.log"));
        try {
            Files.writeString(iniCopy, ini.withUrl(database.sqlalchemyUrl()));
        } catch (IOException e) {
            throw unwritable(e);
        }
        AlembicDriver shared = driver;
        if (shared != null && driverReady && !shared.environment(databaseEnvironment(APPLICATION_NAME))) {
            shared.close(); // a driver told of another database must not run on: the next command starts a new one
            driver = null;
            driverReady = false;
        }
    }

    private LockwatchException unwritable(IOException e) {
        return LockwatchException.environment("cannot write to lockwatch's temp folder " + workFolder + ": " + e.getMessage());
    }

    /** Fails fast, before any server starts, when the alembic command's program is not installed. */
    public static void requireInstalled(List<String> command) {
        if (AlembicProcesses.executable(command.get(0)).isEmpty()) {
            throw LockwatchException.environment("'" + command.get(0) + "' not found on PATH: install alembic "
                    + "(apt-get install alembic python3-psycopg2) or pass --alembic \"poetry run alembic\"");
        }
    }

    /** The folders revision files live in: where statements and failures are traced back to. */
    public List<Path> versionFolders() {
        return ini.versionLocations();
    }

    /**
     * The upgrade lockwatch judges. Through the shared driver its sessions report lockwatch's gates in-band
     * ({@link AlembicResult#reportedGates()}); as a subprocess they wait at the gates for the watcher.
     */
    public AlembicResult upgrade(String revision, Duration timeout) {
        return run(timeout, APPLICATION_NAME, "upgrade", revision, Optional.empty(), () -> { }, Optional.empty());
    }

    /**
     * {@link #upgrade(String, Duration)}, running {@code meanwhile} while the shared driver runs the command (as a
     * subprocess, before it starts): work of lockwatch's own that the command need not wait for. Its sessions'
     * in-band gate reports go to {@code reported} as they come, in order, while the command still runs (the shared
     * driver sends them in batches), rather than in the result: lockwatch reads them while alembic works.
     */
    public AlembicResult upgrade(String revision, Duration timeout, Runnable meanwhile, Consumer<String> reported) {
        return run(timeout, APPLICATION_NAME, "upgrade", revision, Optional.empty(), meanwhile, Optional.of(reported));
    }

    /**
     * {@link #upgrade(String, Duration, Runnable, Consumer)} that may start before lockwatch is ready for it: through
     * the shared driver, the command reads its request, runs env.py and reads the version table while {@code hold}
     * runs, and changes nothing before hold is done (as a subprocess, it starts after hold). What hold throws ends the
     * command before it changes anything, and is thrown. It may run in the env.py run of the held upgrade before it,
     * committed and answered in between (lockwatch_driver.py's _Flight): each is still its own transaction, in a
     * session that nothing of the one before reached.
     */
    public AlembicResult upgradeHeld(String revision, Duration timeout, Runnable hold, Runnable meanwhile,
                                     Consumer<String> reported) {
        return run(timeout, APPLICATION_NAME, "upgrade", revision, Optional.of(hold), meanwhile, Optional.of(reported));
    }

    /** An upgrade whose locks nobody judges (the round trip's upgrade again): the gates let it through. */
    public AlembicResult upgradeUnjudged(String revision, Duration timeout) {
        return run(timeout, UNJUDGED_APPLICATION_NAME, "upgrade", revision);
    }

    /** {@link #upgradeUnjudged}, held until {@code hold} has run, as {@link #upgradeHeld} holds a judged one. */
    public AlembicResult upgradeUnjudgedHeld(String revision, Duration timeout, Runnable hold) {
        return run(timeout, UNJUDGED_APPLICATION_NAME, "upgrade", revision, Optional.of(hold), () -> { }, Optional.empty());
    }

    /**
     * {@link #upgrade}'s sessions run lockwatch's query after the statements {@code after} names and report its
     * answer as a gate (every statement without event triggers; with them, those no trigger pauses): through the
     * shared driver only; as a subprocess, polling is all there is.
     */
    public void reportAfterStatements(AfterStatements after) {
        this.afterStatement = Optional.of(after);
    }

    /** Whether {@link #upgrade}'s sessions report lockwatch's gates in-band: they run in the shared driver. */
    public boolean reportsGates() {
        return driver().isPresent();
    }

    /** {@code alembic downgrade}; its locks are not judged, so the gates let it through. */
    public AlembicResult downgrade(String revision, Duration timeout) {
        return run(timeout, UNJUDGED_APPLICATION_NAME, "downgrade", revision);
    }

    /** {@link #downgrade}, held until {@code hold} has run, as {@link #upgradeHeld} holds an upgrade. */
    public AlembicResult downgradeHeld(String revision, Duration timeout, Runnable hold) {
        return run(timeout, UNJUDGED_APPLICATION_NAME, "downgrade", revision, Optional.of(hold), () -> { }, Optional.empty());
    }

    /** Records {@code revision} as applied without running it: {@code alembic stamp}, not judged either. */
    public AlembicResult stamp(String revision, Duration timeout) {
        return run(timeout, UNJUDGED_APPLICATION_NAME, "stamp", revision);
    }

    /**
     * From now on, the shared driver may run an unwatched upgrade or downgrade in the env.py run of the one
     * before it, committed and answered in between, as a command of its own would be (lockwatch_driver.py's
     * _Flight): for a climb of many small steps, where running env.py, building an engine and checking a session
     * out cost more than a step. A chain's judged upgrades, each its own deploy, fly without asking
     * ({@link #upgradeHeld}).
     */
    public void flyUnjudged() {
        flights = true;
    }

    /** Ends the driver's flight, if one is open: its session leaves the database (before that is made again). */
    public void land(Duration timeout) {
        AlembicDriver shared = driver;
        if (shared != null && driverReady && flights) {
            run(timeout, UNJUDGED_APPLICATION_NAME, "land", null);
        }
    }

    /** {@code alembic current}: connects and reads the version table, changes nothing. */
    public AlembicResult current(Duration timeout, String applicationName) {
        return run(timeout, applicationName, "current", null);
    }

    private AlembicResult run(Duration timeout, String applicationName, String op, String revision) {
        return run(timeout, applicationName, op, revision, Optional.empty(), () -> { }, Optional.empty());
    }

    /** @param reported where in-band gate reports go as they come; without, they are in the result */
    private AlembicResult run(Duration timeout, String applicationName, String op, String revision,
                              Optional<Runnable> hold, Runnable meanwhile, Optional<Consumer<String>> reported) {
        if (target == null) {
            throw new IllegalStateException("alembic " + op + " before useDatabase");
        }
        Optional<AlembicDriver> shared = driver();
        if (shared.isPresent()) {
            // every session lockwatch's gates pause (all but the unjudged, as capture.sql's lockwatch.skip() says)
            // reports them instead of waiting
            boolean paused = !applicationName.equals(UNJUDGED_APPLICATION_NAME);
            // the stairway's unwatched steps once it asked for flights; a chain's judged upgrades, each its own
            // deploy, always (those held for the read after the one before: the same env.py run serves them in turn)
            boolean flight = (flights && !paused || hold.isPresent())
                    && (op.equals("upgrade") || op.equals("downgrade"));
            AlembicResult result = shared.get().run(op, revision, applicationName, paused, afterStatement, flight,
                    hold, timeout, meanwhile, reported);
            if (!shared.get().alive()) {
                driver = null; // a timeout or crash ended it; the next command starts a fresh one
            }
            guard.requireNoRefusal(urlVariable);
            return result;
        }
        hold.ifPresent(Runnable::run);
        meanwhile.run();
        List<String> arguments = new ArrayList<>(List.of(op));
        if (revision != null) {
            arguments.add(revision);
        }
        AlembicResult result = subprocess(timeout, applicationName, arguments);
        guard.requireNoRefusal(urlVariable);
        return result;
    }

    /** Whether lockwatch's connection guard saw and proved a session of alembic's: it runs in alembic's Python. */
    public boolean guardProvedASession() {
        return guard != null && guard.provedASession();
    }

    private void launchDriver() {
        Optional<List<String>> python = AlembicProcesses.pythonOf(command);
        try {
            driver = python.isEmpty() ? null : AlembicDriver.launch(python.get(), workFolder, iniCopy, ini.section(),
                    ini.folder(), this::interpreterEnvironment);
        } catch (IOException e) {
            driver = null;
        }
        driverStarted = false;
        driverReady = false;
        driverUnavailable = driver == null;
    }

    /** The shared driver once it has imported alembic, database or not; null without one. */
    private AlembicDriver startedDriver() {
        if (driver == null && !driverUnavailable && shareInterpreter && !closed) {
            launchDriver(); // the previous one ended (a timeout, a crash)
        }
        AlembicDriver shared = driver;
        if (shared != null && !driverStarted) {
            driverStarted = shared.awaitReady();
            if (!driverStarted) {
                driver = null;
                driverUnavailable = true;
            }
        }
        return driver;
    }

    /** The shared driver, ready and told the database; empty when commands run as subprocesses. */
    private Optional<AlembicDriver> driver() {
        AlembicDriver shared = startedDriver();
        if (shared != null && !driverReady) {
            driverReady = shared.environment(databaseEnvironment(APPLICATION_NAME));
            if (!driverReady) {
                driver = null;
                driverUnavailable = true;
            }
        }
        return Optional.ofNullable(driver);
    }

    private AlembicResult subprocess(Duration timeout, String applicationName, List<String> arguments) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of("-c", iniCopy.toString(), "-n", ini.section()));
        argv.addAll(arguments);
        Path log = workFolder.resolve("alembic-" + (++invocations) + ".log");
        ProcessBuilder builder = new ProcessBuilder(argv).directory(ini.folder().toFile());
        environment(builder.environment(), applicationName);
        try {
            OwnedProcess.Finished run = process.run(builder, log, timeout, null, true);
            return new AlembicResult(run.exitCode(), run.output(), run.durationMs(), run.timedOut());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while alembic " + arguments.get(0) + " ran");
        } catch (OwnedProcess.CannotStart e) {
            throw LockwatchException.environment("cannot run '" + String.join(" ", command) + "': " + e.getMessage()
                    + "; install alembic (apt-get install alembic python3-psycopg2) or pass --alembic \"poetry run alembic\"");
        } catch (IOException e) {
            throw LockwatchException.environment("cannot read alembic's output " + log + ": " + e.getMessage());
        }
    }

    /** Stops a running alembic and everything it started (Ctrl-C, SIGTERM, a failure elsewhere). */
    @Override
    public void close() {
        closed = true;
        process.close();
        AlembicDriver shared = driver;
        if (shared != null) {
            shared.close();
        }
    }

    /** A subprocess's environment: the interpreter's and the database's. */
    private void environment(Map<String, String> env, String applicationName) {
        interpreterEnvironment(env);
        databaseEnvironment(applicationName).forEach((name, value) -> {
            if (value != null) {
                env.put(name, value);
            }
        });
    }

    /**
     * What Python needs from the start: lockwatch's hook and no bytecode files; and nothing that names a database,
     * so an interpreter started before the server cannot reach the user's.
     */
    private void interpreterEnvironment(Map<String, String> env) {
        databaseVariables().forEach(env::remove);
        env.put("PYTHONDONTWRITEBYTECODE", "1"); // leave no __pycache__ in the user's project
        // SourceTag: lockwatch's sitecustomize tags each statement with the revision-file line that issued it
        String pythonPath = env.get("PYTHONPATH");
        env.put("PYTHONPATH", hookFolder + (pythonPath == null || pythonPath.isEmpty() ? "" : File.pathSeparator + pythonPath));
        env.put("LOCKWATCH_SOURCE_ROOTS", ini.versionLocations().stream().map(Path::toString)
                .collect(java.util.stream.Collectors.joining(File.pathSeparator)));
        env.put("PYTHONUNBUFFERED", "1");
    }

    /** The variables that say which database env.py and libpq reach: the URL variable and libpq's. */
    private List<String> databaseVariables() {
        List<String> names = new ArrayList<>(DatabaseTarget.LIBPQ_DESTINATION);
        names.add(urlVariable);
        names.addAll(List.of(SessionGuard.DATABASE, SessionGuard.TOKEN, SessionGuard.LOG));
        return names;
    }

    /** The scratch database, for env.py and libpq; the database variables it does not set map to null (removed). */
    private Map<String, String> databaseEnvironment(String applicationName) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put(urlVariable, target.sqlalchemyUrl());
        target.libpqEnvironment(env, applicationName);
        guard.environment(env);
        databaseVariables().forEach(name -> env.putIfAbsent(name, null));
        return env;
    }
}
