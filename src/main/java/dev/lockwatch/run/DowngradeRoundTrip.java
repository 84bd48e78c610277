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
 * The stairway after a revision's upgrade: {@code alembic downgrade} one step, compare the schema with the one the
 * upgrade started from, upgrade again and compare with the upgrade's. These commands run with the gates open and
 * nobody polling: the product judges upgrades, not downgrades, and unwatched they cost what plain alembic costs.
 *
 * <p>The round trip never stops the chain: whatever the downgrade did, the database ends at the revision again,
 * put back by the {@link Restorer} when the round trip could not. The upgrade is always tried again before a
 * downgrade that ran is judged; a downgrade that raises on purpose is one-way, not failed.
 */
final class DowngradeRoundTrip {
    private final AlembicRunner alembic;
    private final Duration timeout;

    /** Puts the database back at a revision the round trip left it below, its schema {@code after}. */
    interface Restorer {
        Restore backTo(String revision, SchemaSnapshot after) throws SQLException;
    }

    DowngradeRoundTrip(AlembicRunner alembic, Duration timeout) {
        this.alembic = alembic;
        this.timeout = timeout;
    }

    /**
     * @param before  the schema before the revision's upgrade
     * @param after   the schema after it
     * @param target  the {@code alembic downgrade} argument that takes back this revision alone
     * @param session lockwatch's sessions on the chain's database, until the restorer replaces them
     * @param nextCountsRows the next revision is upgraded, judged, right after (each its own deploy): the last read
     *                       counts rows, so it serves as that one's "before"; the stairway compares shapes alone
     */
    DowngradeCheck check(String id, SchemaSnapshot before, SchemaSnapshot after, String target, ChainSession session,
                         Restorer restorer, boolean nextCountsRows) throws SQLException {
        String command = "alembic downgrade " + target;
        WatchedRun down = unjudged(session, () -> alembic.downgrade(target, timeout));
        if (!down.result().succeeded()) {
            SchemaSnapshot afterDowngrade = session.schema().readShape();
            // a failed downgrade normally rolls back; an autocommit block in it may have changed things for good
            boolean untouched = SchemaDiff.between(after, afterDowngrade).isEmpty()
                    && afterDowngrade.versions().contains(id);
            Restore restored = untouched ? Restore.NONE : restorer.backTo(id, after);
            boolean oneWay = OneWayDowngrade.declared(down.result(), alembic.versionFolders());
            return new DowngradeCheck(oneWay ? Outcome.ONE_WAY : Outcome.FAILED, command, oneWay ? null : Step.DOWNGRADE,
                    oneWay ? down.result().lastErrorLine() : down.error(timeout), List.of(), List.of(), restored);
        }
        List<String> differences = SchemaDiff.between(before, session.schema().readShape());
        WatchedRun again = unjudged(session, () -> alembic.upgradeUnjudged(id, timeout));
        if (!again.result().succeeded()) {
            return new DowngradeCheck(Outcome.FAILED, command, Step.UPGRADE_AGAIN, again.error(timeout), differences,
                    List.of(), restorer.backTo(id, after));
        }
        // it is also the next revision's "before" (SchemaReader reuses it): with rows when that one is judged from it;
        // the tables the judged upgrade touched are counted again, as the round trip may have written their rows
        SchemaSnapshot upgraded = !nextCountsRows ? session.schema().readShape()
                : session.touched().isPresent() ? session.schema().read(session.touched().get())
                : session.schema().readAll();
        List<String> upgradeAgain = SchemaDiff.between(after, upgraded);
        boolean same = differences.isEmpty() && upgradeAgain.isEmpty();
        return new DowngradeCheck(same ? Outcome.PASSED : Outcome.INCOMPLETE, command, null, null, differences,
                upgradeAgain, Restore.NONE);
    }

    private static WatchedRun unjudged(ChainSession session, Supplier<AlembicResult> step) {
        return WatchedRun.unwatched(session.watcher(), step);
    }
}
