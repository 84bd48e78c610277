package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.model.LockwatchException;
import java.time.Duration;
import java.util.List;

/**
 * Before any migration runs, a read-only {@code alembic current} proves that lockwatch's connection guard sits
 * inside alembic's Python and sees its sessions (the guard itself, lockwatch_guard.py, refuses every session
 * outside the scratch database for every command, and AlembicRunner stops the run when it did). An alembic
 * command whose Python does not load the guard cannot be checked, so it is refused: lockwatch decides where
 * sessions went from facts, never from timing or statistics.
 */
final class ConnectionGuard {
    private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(2);

    private ConnectionGuard() {
    }

    static void requireConnectsToScratch(AlembicRunner alembic, List<String> alembicCommand) {
        AlembicResult probe = alembic.current(PROBE_TIMEOUT, "lockwatch-probe");
        if (!probe.succeeded()) {
            throw LockwatchException.usage("alembic cannot run this project (alembic current failed): "
                    + probe.lastErrorLine());
        }
        if (!alembic.guardProvedASession()) {
            throw LockwatchException.usage("lockwatch cannot check where '" + String.join(" ", alembicCommand)
                    + "' connects: its Python did not load lockwatch's connection guard (PYTHONPATH is not passed on,"
                    + " or env.py connects through a driver other than psycopg2, psycopg, asyncpg or pg8000); run"
                    + " alembic's own Python script (--alembic /path/to/venv/bin/alembic): lockwatch migrates only a"
                    + " database it can prove is its own");
        }
    }
}
