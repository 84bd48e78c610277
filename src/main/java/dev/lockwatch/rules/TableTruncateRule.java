package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.List;

/**
 * TRUNCATE of a busy table: the rows the running application reads are gone, and the command holds ACCESS
 * EXCLUSIVE. Judged from the TRUNCATE's own lock on each table it emptied (CASCADE empties more than it names).
 */
public final class TableTruncateRule implements Rule {

    @Override
    public String name() {
        return "table-truncate";
    }

    @Override
    public Severity defaultSeverity() {
        return Severity.ERROR;
    }

    @Override
    public String summary() {
        return "TRUNCATE of a busy table: the running application loses its rows, and the table is locked ACCESS "
                + "EXCLUSIVE";
    }

    @Override
    public String explanation() {
        return "TRUNCATE empties a table the application is using: its rows disappear for every request from the "
                + "moment the migration commits, and until then the table is locked ACCESS EXCLUSIVE (reads wait "
                + "too); with CASCADE, every table that references it is emptied as well. In a deploy this is "
                + "almost always a mistake carried over from a development script. Fix: if the data must go, delete "
                + "it in batches in a data migration the application is ready for (DELETE ... WHERE id IN (SELECT id "
                + "... LIMIT 10000)); if the table is being retired, stop the application using it first and drop it "
                + "in a later revision. Not raised for tables the revision created or tables that are not busy.";
    }

    @Override
    public List<Finding> check(RevisionRun run) {
        return CommandLocks.busy(run, CommandLocks.tagged("TRUNCATE"), LockMode::blocksWrites).stream()
                .map(e -> finding(e.orMode(LockMode.ACCESS_EXCLUSIVE), "TRUNCATE emptied " + e.table() + ": the "
                        + "running application loses every row it has, and the table was locked with "
                        + e.orMode(LockMode.ACCESS_EXCLUSIVE).lockWords(), "do not empty a table the application uses in a deploy: delete what must go "
                        + "in batches (op.execute(" + Identifiers.python("DELETE FROM " + Identifiers.sql(e.table()) + " WHERE id IN "
                        + "(SELECT id FROM " + Identifiers.sql(e.table()) + " WHERE ... LIMIT 10000)")
                        + ") repeated), or stop using the table first and "
                        + "drop it in a later revision"))
                .toList();
    }
}
