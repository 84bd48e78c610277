package dev.lockwatch.report;

import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.ServerInfo;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.Suppression;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A verify report built from model values, in memory: a chain with an error, warnings, an info, a suppressed
 * finding, a failed revision quoting a multi-line SQLAlchemy error, a revision not run and a chain finding that
 * stands for folded instances. What the human reports are checked against.
 */
final class ReportSample {
    static final Path PROJECT = Path.of("/project");
    private static final TableRef ORDERS = new TableRef("public", "orders");
    private static final TableRef CUSTOMERS = new TableRef("public", "customers");
    private static final Set<TableRef> BUSY = Set.of(ORDERS, CUSTOMERS);
    private static final String NO_TIMEOUT = "set a lock timeout first: op.execute(\"SET lock_timeout = '3s'\")";

    private ReportSample() {
    }

    static VerifyReport report() {
        Revision r1 = revision("a1b2c3d4e5f6", null, "index orders by customer");
        Revision r2 = revision("b2c3d4e5f6a7", "a1b2c3d4e5f6", "backfill customer names");
        Revision r3 = revision("c3d4e5f6a7b8", "b2c3d4e5f6a7", "add a nullable column");
        Revision r4 = revision("d4e5f6a7b8c9", "c3d4e5f6a7b8", "widen totals, reviewed");
        Revision r5 = revision("e5f6a7b8c9d0", "d4e5f6a7b8c9", "add a column of a missing type");
        Revision r6 = revision("f6a7b8c9d0e1", "e5f6a7b8c9d0", "drop the old column");

        Statement index = statement(r1, "CREATE INDEX ix_orders_customer_id ON orders (customer_id)", "CREATE INDEX", 19,
                lock(ORDERS, LockMode.SHARE, 49));
        Finding nonConcurrent = lockFinding("non-concurrent-index", Severity.ERROR, ORDERS, LockMode.SHARE, index.sql(),
                "CREATE INDEX without CONCURRENTLY held SHARE on public.orders for 49 ms here with 1,000 rows: it blocks "
                        + "writes (INSERT, UPDATE, DELETE); reads continue for the whole build, which grows with the table",
                "build it concurrently: with op.get_context().autocommit_block(): op.create_index(..., "
                        + "postgresql_concurrently=True)", 49, Optional.of(new RowCount(1000, true))).at(at(r1, 19));
        RevisionResult one = applied(r1, List.of(index), nonConcurrent, folded(r1, index, 19));

        Statement alter = statement(r2, "ALTER TABLE customers ADD COLUMN name text", "ALTER TABLE", 15,
                lock(CUSTOMERS, LockMode.ACCESS_EXCLUSIVE, 130));
        Statement update = statement(r2, "UPDATE customers SET name = ''", "UPDATE", 16, // under the ALTER's lock
                new ObservedLock(CUSTOMERS, LockMode.ROW_EXCLUSIVE, true, true, 120, false, null, true));
        Finding held = lockFinding("lock-held-across-statements", Severity.WARNING, CUSTOMERS, LockMode.ACCESS_EXCLUSIVE,
                alter.sql(), "ALTER TABLE locked public.customers and the transaction kept the lock while 1 later "
                + "statement(s) ran for 120 ms (UPDATE customers SET name = ''): a lock lasts until COMMIT",
                "commit before the slow part", 130, Optional.of(new RowCount(5000, true))).at(at(r2, 15));
        Finding cheap = lockFinding("lock-held-across-statements", Severity.INFO, ORDERS, LockMode.ACCESS_EXCLUSIVE,
                alter.sql(), "ALTER TABLE locked public.orders and the transaction kept the lock while 1 later "
                + "statement(s) ran for 0 ms", "commit before the slow part", 0, Optional.empty()).at(at(r2, 15));
        RevisionResult two = applied(r2, List.of(alter, update), held, cheap, folded(r2, alter, 15));

        RevisionResult three = applied(r3, List.of(statement(r3, "ALTER TABLE orders ADD COLUMN note text", "ALTER TABLE", 12,
                lock(ORDERS, LockMode.ACCESS_EXCLUSIVE, 3))));

        Statement widen = statement(r4, "ALTER TABLE orders ALTER COLUMN total TYPE bigint", "ALTER TABLE", 20,
                lock(ORDERS, LockMode.ACCESS_EXCLUSIVE, 52));
        Finding rewrite = lockFinding("table-rewrite", Severity.ERROR, ORDERS, LockMode.ACCESS_EXCLUSIVE, widen.sql(),
                "ALTER TABLE rewrote public.orders under ACCESS EXCLUSIVE, held 52 ms here with 1,000 rows: it blocks "
                        + "reads and writes", "add a new column instead", 52, Optional.of(new RowCount(1000, true)))
                .at(at(r4, 20)).suppressedBy(new Suppression("orders is empty in production until launch",
                        "migrations/versions/d4e5f6a7b8c9_widen.py:19", true));
        RevisionResult four = applied(r4, List.of(widen), rewrite);

        String error = "sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedObject) type \"no_such_type\" does not exist\n"
                + "LINE 1: ALTER TABLE orders ADD COLUMN broken no_such_type\n"
                + "                                            ^\n\n"
                + "[SQL: ALTER TABLE orders ADD COLUMN broken no_such_type]";
        RevisionRun failedRun = new RevisionRun(r5, RevisionStatus.FAILED, 40, List.of(), BUSY, error, 16,
                SchemaSnapshot.EMPTY, SchemaSnapshot.EMPTY, DowngradeCheck.notChecked(), at(r5, 15), null);
        Finding failed = new Finding(new RuleId("migration-failed"), Severity.ERROR, Optional.empty(),
                "alembic upgrade " + r5.id() + " failed: " + error, Optional.of("the revision uses an object that does not exist "
                + "at this point of the chain: check its down_revision")).at(at(r5, 15));
        RevisionResult five = new RevisionResult(failedRun, List.of(failed));

        RevisionResult six = new RevisionResult(RevisionRun.notRun(r6), List.of());

        Finding chain = new Finding(new RuleId("missing-lock-timeout"), Severity.WARNING, Optional.empty(),
                "lock_timeout is 0 for the whole deploy (neither env.py, the role nor any revision sets it): 2 statement(s) "
                        + "in 2 revision(s) took a write-blocking lock on 2 busy table(s) with no timeout",
                Optional.of("set it once for every revision in env.py: context.execute(\"SET lock_timeout = '3s'\")"))
                .at(SourceLocation.fileOnly(PROJECT.resolve("migrations/env.py")));
        return new VerifyReport(PROJECT, new ServerInfo("embedded", "16.15", 16, "zonky", ServerInfo.DETERMINISTIC),
                "0a1b2c3d4e5f", List.of(one, two, three, four, five, six), List.of(chain));
    }

    private static Revision revision(String id, String down, String message) {
        return new Revision(id, down == null ? List.of() : List.of(down), List.of(), List.of(),
                PROJECT.resolve("migrations/versions/" + id + "_" + message.replaceAll("\\W+", "_") + ".py"), message);
    }

    private static SourceLocation at(Revision revision, int line) {
        return new SourceLocation(revision.file(), line);
    }

    private static ObservedLock lock(TableRef table, LockMode mode, long heldMs) {
        return new ObservedLock(table, mode, true, true, heldMs, false, null);
    }

    private static Statement statement(Revision revision, String sql, String tag, int line, ObservedLock lock) {
        return new Statement(sql, tag, lock.heldMs() / 2, 0L, List.of(lock), lock.table(), false, 1, at(revision, line));
    }

    private static Finding folded(Revision revision, Statement statement, int line) {
        return new Finding(new RuleId("missing-lock-timeout"), Severity.WARNING, Optional.of(statement.locks().get(0).table()),
                Optional.of(statement.locks().get(0).mode()), Optional.of(statement.sql()), statement.tag() + " locked "
                + statement.locks().get(0).table() + " with lock_timeout = 0", Optional.of(NO_TIMEOUT), OptionalLong.empty(),
                Optional.empty()).at(at(revision, line)).foldedIntoChain();
    }

    /** A finding about a lock {@code statement} held on {@code table}, as a rule makes it. */
    private static Finding lockFinding(String rule, Severity severity, TableRef table, LockMode mode, String statement,
                                       String message, String hint, long heldMs, Optional<RowCount> rows) {
        return new Finding(new RuleId(rule), severity, Optional.of(table), Optional.of(mode), Optional.of(statement),
                message, Optional.of(hint), OptionalLong.of(heldMs), rows);
    }

    private static RevisionResult applied(Revision revision, List<Statement> statements, Finding... findings) {
        RevisionRun run = new RevisionRun(revision, RevisionStatus.APPLIED, 77, statements, BUSY, null, 16,
                SchemaSnapshot.EMPTY, SchemaSnapshot.EMPTY, DowngradeCheck.notChecked(), null, null);
        return new RevisionResult(run, List.of(findings));
    }
}
