package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.watch.DatabaseActivity;
import java.time.Duration;

/**
 * Proves, with a read-only {@code alembic current}, that env.py connects to the scratch database before any
 * migration runs: an env.py that ignores both the ini's URL and the URL variable could otherwise migrate some
 * other database.
 */
final class ConnectionGuard {
    private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STATISTICS_DELAY = Duration.ofSeconds(5);

    private ConnectionGuard() {
    }

    static void requireConnectsToScratch(AlembicRunner alembic, ScratchDatabase scratch, String urlVariable) {
        long before = DatabaseActivity.transactions(scratch);
        AlembicResult probe = alembic.current(PROBE_TIMEOUT, "lockwatch-probe");
        if (!probe.succeeded()) {
            throw LockwatchException.usage("alembic cannot run this project (alembic current failed): "
                    + probe.lastErrorLine());
        }
        if (!DatabaseActivity.grewWithin(scratch, before, STATISTICS_DELAY)) {
            throw LockwatchException.usage("env.py did not connect to lockwatch's database: make it use sqlalchemy.url"
                    + " from the ini or read $" + urlVariable + " (see --url-env); lockwatch will not run"
                    + " migrations that could reach another database");
        }
    }
}
