package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.DowngradeCheck.Outcome;
import dev.lockwatch.model.DowngradeCheck.Step;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.SchemaDiff;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.SchemaReader;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * After a revision's upgrade: {@code alembic downgrade} one step, compare the schema with the one the upgrade
 * started from, upgrade again and compare with the upgrade's. These commands run with the gates open and nobody
 * polling: the product judges upgrades, not downgrades, and unwatched they cost what plain alembic costs. The
 * database must end at the revision again for the chain to go on; when it cannot, the check says so and the
 * chain stops.
 */
final class DowngradeRoundTrip {
    private final AlembicRunner alembic;
    private final LockWatcher watcher;
    private final SchemaReader schema;
    private final Duration timeout;

    DowngradeRoundTrip(AlembicRunner alembic, LockWatcher watcher, SchemaReader schema, Duration timeout) {
        this.alembic = alembic;
        this.watcher = watcher;
        this.schema = schema;
        this.timeout = timeout;
    }

    /** @param target the {@code alembic downgrade} argument that takes back this revision alone */
    DowngradeCheck check(RevisionRun run, String target) throws SQLException {
        String id = run.revision().id();
        String command = "alembic downgrade " + target;
        WatchedRun down = unjudged(() -> alembic.downgrade(target, timeout));
        SchemaSnapshot afterDowngrade = schema.readShape();
        if (!down.result().succeeded()) {
            // a failed downgrade normally rolls back; an autocommit block in it may have changed things for good
            boolean untouched = SchemaDiff.between(run.after(), afterDowngrade).isEmpty()
                    && afterDowngrade.versions().contains(id);
            return failed(command, Step.DOWNGRADE, down, List.of(), !untouched);
        }
        List<String> differences = SchemaDiff.between(run.before(), afterDowngrade);
        if (!differences.isEmpty() && SchemaDiff.between(run.after(), afterDowngrade).isEmpty()) {
            // the downgrade changed no schema at all: record the revision again rather than run it on top of itself
            WatchedRun stamp = unjudged(() -> alembic.stamp(id, timeout));
            return stamp.result().succeeded() ? result(command, differences, List.of())
                    : failed(command, Step.STAMP, stamp, differences, true);
        }
        WatchedRun again = unjudged(() -> alembic.upgradeUnjudged(id, timeout));
        if (!again.result().succeeded()) {
            return failed(command, Step.UPGRADE_AGAIN, again, differences, true);
        }
        // a full read, rows too: it is also the next revision's "before" (SchemaReader reuses it)
        return result(command, differences, SchemaDiff.between(run.after(), schema.read()));
    }

    private WatchedRun unjudged(Supplier<dev.lockwatch.alembic.AlembicResult> step) {
        return WatchedRun.unwatched(watcher, step);
    }

    private DowngradeCheck failed(String command, Step step, WatchedRun run, List<String> differences, boolean stopped) {
        return new DowngradeCheck(Outcome.FAILED, command, step, run.error(timeout), differences, List.of(), stopped);
    }

    private static DowngradeCheck result(String command, List<String> differences, List<String> upgradeAgain) {
        boolean same = differences.isEmpty() && upgradeAgain.isEmpty();
        return new DowngradeCheck(same ? Outcome.PASSED : Outcome.INCOMPLETE, command, null, null, differences,
                upgradeAgain, false);
    }
}
