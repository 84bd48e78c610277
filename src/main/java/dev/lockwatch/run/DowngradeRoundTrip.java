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
import java.util.function.Supplier;

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
     * @param target   the {@code alembic downgrade} argument that takes back this revision alone
     * @param database where the round trip runs, at the revision; its schema there is read while the downgrade
     *                 gets ready, and so is the schema the downgrade leaves while the upgrade again does
     */
    DowngradeCheck check(String id, SchemaSnapshot before, String target, Database database) throws SQLException {
        String command = "alembic downgrade " + target;
        HeldRead upgraded = new HeldRead(database);
        WatchedRun down = unwatched(upgraded.before(() -> alembic.downgradeHeld(target, timeout, upgraded)));
        SchemaSnapshot after = upgraded.shape;
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
        HeldRead downgraded = new HeldRead(database);
        WatchedRun again = unwatched(downgraded.before(() -> alembic.upgradeUnjudgedHeld(id, timeout, downgraded)));
        List<String> differences = SchemaDiff.between(before, downgraded.shape);
        if (!again.result().succeeded()) {
            return new DowngradeCheck(Outcome.FAILED, command, Step.UPGRADE_AGAIN, again.error(timeout), differences,
                    List.of(), database.backTo(id, after));
        }
        List<String> upgradeAgain = SchemaDiff.between(after, database.shape());
        boolean same = differences.isEmpty() && upgradeAgain.isEmpty();
        return new DowngradeCheck(same ? Outcome.PASSED : Outcome.INCOMPLETE, command, null, null, differences,
                upgradeAgain, Restore.NONE);
    }

    /**
     * The database's schema read as the hold of the command that follows it: the command's Python reads its request
     * and gets ready meanwhile, and changes nothing before the read is done. A read that fails ends the command
     * before it changes anything; {@link #before} throws its error.
     */
    private static final class HeldRead implements Runnable {
        private final Database database;
        private SchemaSnapshot shape;
        private SQLException failed;

        HeldRead(Database database) {
            this.database = database;
        }

        @Override
        public void run() {
            try {
                shape = database.shape();
            } catch (SQLException e) {
                failed = e;
                throw new IllegalStateException("cannot read the round trip's schema", e);
            }
        }

        /** Runs {@code command}, held by this read; the read's own error if it failed. */
        AlembicResult before(Supplier<AlembicResult> command) throws SQLException {
            AlembicResult result;
            try {
                result = command.get();
            } catch (IllegalStateException e) {
                if (failed != null) {
                    throw failed;
                }
                throw e;
            }
            if (failed != null) {
                throw failed;
            }
            return result;
        }
    }

    /** A command of the round trip's: no gate of the stairway's database pauses it, so no watcher lets it through. */
    private static WatchedRun unwatched(AlembicResult result) {
        return new WatchedRun(result, List.of());
    }
}
