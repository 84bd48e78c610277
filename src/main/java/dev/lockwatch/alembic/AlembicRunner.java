package dev.lockwatch.alembic;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the user's alembic against lockwatch's scratch database, with the ini's folder as working directory.
 * The database URL reaches env.py both ways users configure it: a copy of the ini with {@code sqlalchemy.url}
 * replaced (the original is never touched) and an environment variable.
 *
 * <p>When the alembic command is a plain Python script, one long-lived driver process runs every command
 * through alembic's command API (no interpreter start per revision). Otherwise, or when that Python cannot
 * import alembic, or with {@code shareInterpreter} off, each command is its own {@code alembic} subprocess,
 * exactly as a user would type it.
 */
public final class AlembicRunner implements AutoCloseable {
    /** Tags the migration's backend in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "lockwatch-migration";

    private final List<String> command;
    private final AlembicIni ini;
    private final Path iniCopy;
    private final Path workFolder;
    private final String urlVariable;
    private final DatabaseTarget target;
    private final boolean shareInterpreter;
    private int invocations;
    private volatile Process running;
    private volatile AlembicDriver driver;
    private boolean driverUnavailable;

    public AlembicRunner(List<String> command, AlembicIni ini, Path workFolder, String urlVariable, DatabaseTarget target) {
        this(command, ini, workFolder, urlVariable, target, true);
    }

    public AlembicRunner(List<String> command, AlembicIni ini, Path workFolder, String urlVariable, DatabaseTarget target,
                         boolean shareInterpreter) {
        this.command = List.copyOf(command);
        this.ini = ini;
        this.workFolder = workFolder;
        this.urlVariable = urlVariable;
        this.target = target;
        this.shareInterpreter = shareInterpreter;
        this.iniCopy = workFolder.resolve("alembic.ini");
        try {
            Files.writeString(iniCopy, ini.withUrl(target.sqlalchemyUrl()));
        } catch (IOException e) {
            throw LockwatchException.environment("cannot write to lockwatch's temp folder " + workFolder + ": " + e.getMessage());
        }
    }

    public AlembicResult upgrade(String revision, Duration timeout) {
        return run(timeout, APPLICATION_NAME, "upgrade", revision);
    }

    public AlembicResult downgrade(String revision, Duration timeout) {
        return run(timeout, APPLICATION_NAME, "downgrade", revision);
    }

    /** {@code alembic current}: connects and reads the version table, changes nothing. */
    public AlembicResult current(Duration timeout, String applicationName) {
        return run(timeout, applicationName, "current", null);
    }

    /** Whether commands run in one shared interpreter (known after the first command). */
    public boolean sharesInterpreter() {
        return driver != null;
    }

    private AlembicResult run(Duration timeout, String applicationName, String op, String revision) {
        Optional<AlembicDriver> shared = driver();
        if (shared.isPresent()) {
            AlembicResult result = shared.get().run(op, revision, applicationName, timeout);
            if (!shared.get().alive()) {
                driver = null; // a timeout or crash ended it; the next command starts a fresh one
            }
            return result;
        }
        List<String> arguments = new ArrayList<>(List.of(op));
        if (revision != null) {
            arguments.add(revision);
        }
        return subprocess(timeout, applicationName, arguments);
    }

    private Optional<AlembicDriver> driver() {
        if (driver != null || driverUnavailable || !shareInterpreter) {
            return Optional.ofNullable(driver);
        }
        Optional<List<String>> python = AlembicProcesses.pythonOf(command);
        try {
            driver = python.isEmpty() ? null : AlembicDriver.start(python.get(), workFolder, iniCopy, ini.section(),
                    ini.folder(), target, urlVariable).orElse(null);
        } catch (IOException e) {
            driver = null;
        }
        driverUnavailable = driver == null;
        return Optional.ofNullable(driver);
    }

    private AlembicResult subprocess(Duration timeout, String applicationName, List<String> arguments) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of("-c", iniCopy.toString(), "-n", ini.section()));
        argv.addAll(arguments);
        Path log = workFolder.resolve("alembic-" + (++invocations) + ".log");
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(ini.folder().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        AlembicProcesses.environment(builder.environment(), target, urlVariable, applicationName);
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw LockwatchException.environment("cannot run '" + String.join(" ", command) + "': "
                    + rootMessage(e) + "; install alembic (apt-get install alembic python3-psycopg2) or pass --alembic \"poetry run alembic\"");
        }
        running = process;
        try {
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                AlembicProcesses.destroyTree(process);
            }
            long duration = (System.nanoTime() - started) / 1_000_000;
            return new AlembicResult(finished ? process.exitValue() : -1, Files.readString(log), duration, !finished);
        } catch (InterruptedException e) {
            AlembicProcesses.destroyTree(process);
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while alembic " + arguments.get(0) + " ran");
        } catch (IOException e) {
            throw LockwatchException.environment("cannot read alembic's output " + log + ": " + e.getMessage());
        } finally {
            running = null;
        }
    }

    /** Stops a running alembic and everything it started (Ctrl-C, SIGTERM, a failure elsewhere). */
    @Override
    public void close() {
        Process process = running;
        if (process != null) {
            AlembicProcesses.destroyTree(process);
        }
        AlembicDriver shared = driver;
        if (shared != null) {
            shared.close();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
