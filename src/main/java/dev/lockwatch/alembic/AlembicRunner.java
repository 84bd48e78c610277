package dev.lockwatch.alembic;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the user's alembic command as a subprocess against lockwatch's scratch database, with the ini's
 * folder as working directory. The database URL reaches env.py both ways users configure it: a copy of the
 * ini with {@code sqlalchemy.url} replaced (the original is never touched) and an environment variable. The
 * libpq variables point at the scratch database too, so an env.py that builds its own URL lands there.
 */
public final class AlembicRunner implements AutoCloseable {
    /** Tags the migration's backend in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "lockwatch-migration";

    private final List<String> command;
    private final AlembicIni ini;
    private final Path iniCopy;
    private final Path logFolder;
    private final String urlVariable;
    private final DatabaseTarget target;
    private int invocations;
    private volatile Process running;

    public AlembicRunner(List<String> command, AlembicIni ini, Path workFolder, String urlVariable, DatabaseTarget target) {
        this.command = List.copyOf(command);
        this.ini = ini;
        this.logFolder = workFolder;
        this.urlVariable = urlVariable;
        this.target = target;
        this.iniCopy = workFolder.resolve("alembic.ini");
        try {
            Files.writeString(iniCopy, ini.withUrl(target.sqlalchemyUrl()));
        } catch (IOException e) {
            throw LockwatchException.environment("cannot write to lockwatch's temp folder " + workFolder + ": " + e.getMessage());
        }
    }

    public AlembicResult upgrade(String revision, Duration timeout) {
        return run(timeout, "upgrade", revision);
    }

    public AlembicResult downgrade(String revision, Duration timeout) {
        return run(timeout, "downgrade", revision);
    }

    /** Records {@code revision} as applied without running it: {@code alembic stamp}. */
    public AlembicResult stamp(String revision, Duration timeout) {
        return run(timeout, "stamp", revision);
    }

    /** {@code alembic current}: connects and reads the version table, changes nothing. */
    public AlembicResult current(Duration timeout, String applicationName) {
        return run(timeout, applicationName, List.of("current"));
    }

    private AlembicResult run(Duration timeout, String... arguments) {
        return run(timeout, APPLICATION_NAME, List.of(arguments));
    }

    private AlembicResult run(Duration timeout, String applicationName, List<String> arguments) {
        List<String> argv = new ArrayList<>(command);
        argv.add("-c");
        argv.add(iniCopy.toString());
        argv.add("-n");
        argv.add(ini.section());
        argv.addAll(arguments);
        Path log = logFolder.resolve("alembic-" + (++invocations) + ".log");
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(ini.folder().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        environment(builder.environment(), applicationName);
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
                destroyTree(process);
            }
            long duration = (System.nanoTime() - started) / 1_000_000;
            return new AlembicResult(finished ? process.exitValue() : -1, Files.readString(log), duration, !finished);
        } catch (InterruptedException e) {
            destroyTree(process);
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
            destroyTree(process);
        }
    }

    private void environment(Map<String, String> env, String applicationName) {
        env.put(urlVariable, target.sqlalchemyUrl());
        env.put("PGHOST", target.host());
        env.put("PGPORT", Integer.toString(target.port()));
        env.put("PGDATABASE", target.database());
        env.put("PGUSER", target.user());
        env.put("PGPASSWORD", target.password());
        env.put("PGAPPNAME", applicationName);
        env.remove("PGSERVICE");
        env.remove("PGSERVICEFILE");
        env.put("PYTHONDONTWRITEBYTECODE", "1"); // leave no __pycache__ in the user's project
        env.put("PYTHONUNBUFFERED", "1");
    }

    private static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }
}
