package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.DowngradeCheck.Outcome;
import dev.lockwatch.model.DowngradeCheck.Restore;
import dev.lockwatch.model.DowngradeCheck.Step;
import dev.lockwatch.model.SchemaDiff;
import dev.lockwatch.model.SchemaSnapshot;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * The round trip after a revision's upgrade: {@code alembic downgrade} one step, compare the schema with the one the
 * upgrade started from, upgrade again and compare with the upgrade's. It runs on the {@link Stairway}'s database,
 * never the judged chain's, and nobody watches it: the product judges upgrades, not downgrades, and unwatched these
 * commands cost what plain alembic costs (their sessions are named {@code lockwatch-unjudged}, which the gates let
 * through).
 *
 * <p>The round trip never stops the chain: whatever the downgrade did, the database ends at the revision again,
 * put back by {@link Database#backTo} when the round trip could not. The upgrade is always tried again before a
 * downgrade that ran is judged; a downgrade that raises on purpose is one-way, not failed.
 */
final class DowngradeRoundTrip {
    private final AlembicRunner alembic;
    private final Duration timeout;

    /** The database the round trip runs on: its schema, and how to put it back at a revision. */
    interface Database {
        /** The database's schema now, without row counts. */
        SchemaSnapshot shape() throws SQLException;

        /** Puts the database back at a revision the round trip left it below, its schema {@code after}. */
        Restore backTo(String revision, SchemaSnapshot after) throws SQLException;
    }

    DowngradeRoundTrip(AlembicRunner alembic, Duration timeout) {
        this.alembic = alembic;
        this.timeout = timeout;
    }

    /**
     * @param before   the schema before the revision's upgrade
     * @param after    the schema after it
     * @param target   the {@code alembic downgrade} argument that takes back this revision alone
     * @param database where the round trip runs, at the revision
     */
    DowngradeCheck check(String id, SchemaSnapshot before, SchemaSnapshot after, String target, Database database)
            throws SQLException {
        String command = "alembic downgrade " + target;
        WatchedRun down = unwatched(alembic.downgrade(target, timeout));
        if (!down.result().succeeded()) {
            SchemaSnapshot afterDowngrade = database.shape();
            // a failed downgrade normally rolls back; an autocommit block in it may have changed things for good
            boolean untouched = SchemaDiff.between(after, afterDowngrade).isEmpty()
                    && afterDowngrade.versions().contains(id);
            Restore restored = untouched ? Restore.NONE : database.backTo(id, after);
            boolean oneWay = OneWayDowngrade.declared(down.result(), alembic.versionFolders());
            return new DowngradeCheck(oneWay ? Outcome.ONE_WAY : Outcome.FAILED, command, oneWay ? null : Step.DOWNGRADE,
                    oneWay ? down.result().lastErrorLine() : down.error(timeout), List.of(), List.of(), restored);
        }
        List<String> differences = SchemaDiff.between(before, database.shape());
        WatchedRun again = unwatched(alembic.upgradeUnjudged(id, timeout));
        if (!again.result().succeeded()) {
            return new DowngradeCheck(Outcome.FAILED, command, Step.UPGRADE_AGAIN, again.error(timeout), differences,
                    List.of(), database.backTo(id, after));
        }
        List<String> upgradeAgain = SchemaDiff.between(after, database.shape());
        boolean same = differences.isEmpty() && upgradeAgain.isEmpty();
        return new DowngradeCheck(same ? Outcome.PASSED : Outcome.INCOMPLETE, command, null, null, differences,
                upgradeAgain, Restore.NONE);
    }

    /** A command of the round trip's: no gate of the stairway's database pauses it, so no watcher lets it through. */
    private static WatchedRun unwatched(AlembicResult result) {
        return new WatchedRun(result, List.of());
    }
}
