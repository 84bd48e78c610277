package dev.lockwatch.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which revisions the retry check tries, and which statements it makes fail: pure, from the watched run. */
class RetryCheckTest {
    private static final TableRef ORDERS = TableRef.parse("orders");
    private static final TableRef SHIPMENTS = TableRef.parse("shipments");

    private static Statement statement(String sql, String tag, int transaction, TableRef table, LockMode mode) {
        return new Statement(sql, tag, 5, 0L, List.of(new ObservedLock(table, mode, true, table.equals(ORDERS), 5,
                false, null)), table, false, transaction);
    }

    private static RevisionRun run(Statement... statements) {
        TableSchema orders = new TableSchema(ORDERS, 1, "table", false, 1, new RowCount(10, true), List.of(), List.of(),
                List.of());
        return new RevisionRun(new Revision("r2", List.of("r1"), List.of(), List.of(), Path.of("r2.py"), "t"),
                RevisionStatus.APPLIED, 10, List.of(statements), java.util.Set.of(ORDERS), null, 16,
                SchemaSnapshot.of(Map.of(ORDERS, orders), Map.of(), List.of("r1")), SchemaSnapshot.EMPTY,
                DowngradeCheck.notChecked(), null, null);
    }

    @Test
    void oneTransactionWithoutConcurrentCommandsIsNotTried() {
        RevisionRun run = run(statement("ALTER TABLE orders ADD COLUMN a int", "ALTER TABLE", 1, ORDERS,
                LockMode.ACCESS_EXCLUSIVE), statement("CREATE INDEX ix ON orders (a)", "CREATE INDEX", 1, ORDERS,
                LockMode.SHARE));

        assertFalse(RetryCheck.committedParts(run));
    }

    @Test
    void aConcurrentBuildAloneCommitsInSteps() {
        RevisionRun run = run(statement("CREATE INDEX CONCURRENTLY ix ON orders (a)", "CREATE INDEX", 1, ORDERS,
                LockMode.SHARE_UPDATE_EXCLUSIVE));

        assertTrue(RetryCheck.committedParts(run));
        assertEquals(List.of(0), RetryCheck.candidates(run));
    }

    @Test
    void eachConcurrentBuildAndTheLastStatementOnAnExistingTableAreTried() {
        RevisionRun run = run(
                statement("CREATE INDEX CONCURRENTLY ix1 ON orders (a)", "CREATE INDEX", 1, ORDERS,
                        LockMode.SHARE_UPDATE_EXCLUSIVE),
                statement("ALTER TABLE orders ADD COLUMN b int", "ALTER TABLE", 2, ORDERS, LockMode.ACCESS_EXCLUSIVE),
                statement("UPDATE orders SET b = 1", "UPDATE", 2, ORDERS, LockMode.ROW_EXCLUSIVE),
                statement("ALTER TABLE orders ADD COLUMN c int", "ALTER TABLE", 3, ORDERS, LockMode.ACCESS_EXCLUSIVE),
                statement("CREATE INDEX ix2 ON shipments (a)", "CREATE INDEX", 3, SHIPMENTS, LockMode.SHARE));

        assertTrue(RetryCheck.committedParts(run));
        assertEquals(List.of(0, 3), RetryCheck.candidates(run), "not DML, not a table the revision created");
    }

    @Test
    void theFaultTriggerMatchesTheStatementsTextQuoted() {
        String sql = RetryCheck.faultTrigger("CREATE INDEX CONCURRENTLY \"it's\" ON orders (a)", 2);

        assertTrue(sql.contains("position('CREATE INDEX CONCURRENTLY \"it''s\" ON orders (a)' in current_query())"), sql);
        assertTrue(sql.contains("if seen = 2 then"), sql);
        assertTrue(sql.contains("errcode = 'lock_not_available'"), sql);
    }
}
