package dev.lockwatch.watch;

import dev.lockwatch.capture.GateEffects;
import dev.lockwatch.capture.Pause;
import dev.lockwatch.capture.GateProtocol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import dev.lockwatch.capture.GateEffects.ColumnState;
import dev.lockwatch.capture.GateEffects.IndexState;
import dev.lockwatch.capture.GateEffects.TableState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statement assembler, in memory: gates' locks and effects become statements with what each did. */
class StatementAssemblerTest {
    private static final TableRef ORDERS = new TableRef("public", "orders");
    private static final long OID = 16400;
    private static final SchemaSnapshot BEFORE = SchemaSnapshot.of(Map.of(ORDERS, new TableSchema(ORDERS, OID, "table",
            false, 16400, new RowCount(10, true),
            List.of(new ColumnSchema("id", 1, "integer", true, null, false, false, 23, -1),
                    new ColumnSchema("note", 2, "text", false, null, false, false, 25, -1)),
            List.of(), List.of(new IndexSchema("orders_pkey", true, true, List.of("id"), "", 16405, 16405)))),
            Map.of(), List.of());

    @Test
    void eachStatementGetsWhatItsEndGateReportedComparedWithTheStateBefore() {
        TableState retyped = state("orders_pkey", 16405, 25, false); // the index kept its storage
        TableState keyed = state("orders_pkey", 16410, 25, true);   // rebuilt, and note became NOT NULL
        List<Statement> statements = StatementAssembler.assemble(java.util.stream.Stream.of(
                gate(1000, 900, "lw|1|start|0||||ALTER TABLE", GateEffects.NONE).withoutLocks(),
                gate(1100, 900, "lw|2|end|0|50|16400||ALTER TABLE", effects(retyped, 0)),
                gate(2000, 1900, "lw|3|start|0||||ALTER TABLE", GateEffects.NONE),
                gate(2100, 1900, "lw|4|end|0|50|16400||ALTER TABLE", effects(keyed, 1))).map(Gate::sample).toList(),
                Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");

        assertEquals(2, statements.size(), statements.toString());
        assertEquals(StatementEffects.NONE, statements.get(0).effects());
        StatementEffects second = statements.get(1).effects();
        assertEquals(List.of("orders_pkey"), second.indexesBuilt().stream().map(StatementEffects.IndexBuilt::name).toList());
        assertEquals(List.of("note"), second.becameNotNull().stream().map(StatementEffects.Column::name).toList());
        assertEquals(1, second.scanned().size());
        assertEquals(LockMode.ACCESS_EXCLUSIVE, statements.get(1).locks().get(0).mode());
    }

    @Test
    void aStatementNoGateReportedHasUnknownEffects() {
        List<Statement> statements = StatementAssembler.assemble(List.of(new BackendSample(1000, 7, "LOCK TABLE orders",
                900, 800, List.of(new BackendSample.HeldLock(OID, LockMode.ACCESS_EXCLUSIVE, true)), null, false, -1, true)),
                Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");
        assertEquals(false, statements.get(0).effects().known());
    }

    /**
     * An ALTER TABLE took ACCESS EXCLUSIVE; the CREATE INDEX after it in the same transaction took SHARE, granted with
     * it whoever else holds what: both of the index's locks are held before it, the ALTER TABLE's are its own.
     */
    @Test
    void aLockTheTransactionAlreadyLetThroughIsHeldBefore() {
        BackendSample.HeldLock exclusive = new BackendSample.HeldLock(OID, LockMode.ACCESS_EXCLUSIVE, true);
        BackendSample.HeldLock share = new BackendSample.HeldLock(OID, LockMode.SHARE, true);
        List<Statement> statements = StatementAssembler.assemble(java.util.stream.Stream.of(
                gate(1000, 900, "lw|1|start|0||||ALTER TABLE", GateEffects.NONE).withoutLocks(),
                gate(1100, 900, "lw|2|end|0|50|16400||ALTER TABLE", GateEffects.NONE).withLocks(List.of(exclusive)),
                gate(2000, 1900, "lw|3|start|0||||CREATE INDEX", GateEffects.NONE).withLocks(List.of(exclusive)),
                gate(2100, 1900, "lw|4|end|0|50|16400||CREATE INDEX", GateEffects.NONE)
                        .withLocks(List.of(share, exclusive))).map(Gate::sample).toList(),
                Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");
        assertEquals(List.of(false), statements.get(0).locks().stream().map(dev.lockwatch.model.ObservedLock::heldBefore)
                .toList(), statements.toString());
        assertEquals(List.of(true, true), statements.get(1).locks().stream()
                .map(dev.lockwatch.model.ObservedLock::heldBefore).toList(), statements.toString());
    }

    /**
     * A poll saw the statement's ACCESS EXCLUSIVE before its end gate read its ACCESS SHARE too: the statement's
     * locks come by table and mode all the same, never in the order a poll's timing gave them.
     */
    @Test
    void aStatementsLocksComeInTheSameOrderHoweverPollsSawThem() {
        BackendSample.HeldLock share = new BackendSample.HeldLock(OID, LockMode.ACCESS_SHARE, true);
        BackendSample.HeldLock exclusive = new BackendSample.HeldLock(OID, LockMode.ACCESS_EXCLUSIVE, true);
        List<Statement> statements = StatementAssembler.assemble(List.of(
                new BackendSample(1000, 7, "LOCK TABLE orders", 900, 800, List.of(exclusive), null, false, -1, true),
                new BackendSample(1100, 7, "LOCK TABLE orders", 900, 800, List.of(share, exclusive), null, false, -1,
                        true)), Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");
        assertEquals(List.of(LockMode.ACCESS_SHARE, LockMode.ACCESS_EXCLUSIVE),
                statements.get(0).locks().stream().map(dev.lockwatch.model.ObservedLock::mode).toList(),
                statements.toString());
    }

    /**
     * Best-effort capture: polling missed a short CREATE INDEX and saw its SHARE lock only under the version-table
     * UPDATE after it; the session's own report after the build gives the lock to the build. A report about a
     * statement polling saw is the same statement, and the report's own query, seen by a poll, is none.
     */
    @Test
    void anAfterReportGivesALockToItsStatementNotToTheOnePollingSawNext() {
        List<BackendSample.HeldLock> share = List.of(new BackendSample.HeldLock(OID, LockMode.SHARE, true));
        List<Statement> statements = StatementAssembler.assemble(List.of(
                after(1000, "CREATE INDEX ix_orders_n ON orders (n)", "CREATE INDEX", share),
                new BackendSample(1050, 7, GateProtocol.AFTER_STATEMENT_MARKER + " select json_build_object(...)",
                        1040, 800, share, null, false, -1, true),
                new BackendSample(1100, 7, "UPDATE alembic_version SET version_num='r2'", 1090, 800, share, null,
                        false, -1, true),
                new BackendSample(1200, 7, "ALTER TABLE orders ADD COLUMN x int", 1150, 800, share, null, false, -1, true),
                after(1210, "ALTER TABLE orders ADD COLUMN x int", "ALTER TABLE",
                        List.of(share.get(0), new BackendSample.HeldLock(OID, LockMode.ACCESS_EXCLUSIVE, true)))),
                Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");

        assertEquals(List.of("CREATE INDEX", "ALTER TABLE"), statements.stream().map(Statement::tag).toList(),
                statements.toString());
        assertEquals(List.of(LockMode.SHARE), statements.get(0).locks().stream().map(l -> l.mode()).toList());
        assertEquals(List.of(LockMode.ACCESS_EXCLUSIVE), statements.get(1).locks().stream().map(l -> l.mode()).toList());
    }

    private static BackendSample after(long time, String query, String tag, List<BackendSample.HeldLock> locks) {
        return new BackendSample(time, 7, query, time - 5, 800, locks,
                Pause.parse("lw|0|after|0|5|||" + tag).orElseThrow(), false, -1, true, GateEffects.NONE);
    }

    private static TableState state(String index, long filenode, long noteType, boolean noteNotNull) {
        return new TableState(OID, ORDERS, 16400, Map.of(1, new ColumnState(1, "id", true, 23, -1, "integer"),
                2, new ColumnState(2, "note", noteNotNull, noteType, -1, "text")), Map.of(),
                Map.of(16405L, new IndexState(16405, index, filenode)));
    }

    private static GateEffects effects(TableState state, long scans) {
        return new GateEffects(true, List.of(), List.of(), List.of(state), Map.of(OID, scans));
    }

    private static Gate gate(long time, long queryStart, String tag, GateEffects effects) {
        return new Gate(new BackendSample(time, 7, "ALTER TABLE orders ...", queryStart, 800,
                List.of(new BackendSample.HeldLock(OID, LockMode.ACCESS_EXCLUSIVE, true)),
                Pause.parse(tag).orElseThrow(), false, time + 10, true, effects));
    }

    /** A gate sample; the first statement's start gate holds no lock yet. */
    private record Gate(BackendSample sample) {
        Gate withoutLocks() {
            return withLocks(List.of());
        }

        Gate withLocks(List<BackendSample.HeldLock> locks) {
            BackendSample s = sample;
            return new Gate(new BackendSample(s.timeUs(), s.pid(), s.query(), s.queryStartUs(), s.xactStartUs(), locks,
                    s.pause(), false, s.pausedUntilUs(), true, s.effects()));
        }
    }

    /**
     * A transaction's locks end with it: when the next transaction of the session (an autocommit block) takes the same
     * lock again before any look saw it released, the lock is the next statement's, and the first one's ended by the
     * time the next transaction began (prefect 2882cd2df465: the INSERT was shown holding its table across its commit).
     */
    @Test
    void aLockTakenAgainInTheNextTransactionIsTheNextStatementsOwn() {
        List<BackendSample.HeldLock> rowExclusive = List.of(new BackendSample.HeldLock(OID, LockMode.ROW_EXCLUSIVE, true));
        List<Statement> statements = StatementAssembler.assemble(List.of(
                new BackendSample(1000, 7, "INSERT INTO orders VALUES (1)", 990, 980, rowExclusive,
                        Pause.parse("lw|1|dml|0||16400|1|INSERT").orElseThrow(), false, -1, true, GateEffects.NONE),
                new BackendSample(3000, 7, "UPDATE orders SET note = 'x'", 2990, 2980, rowExclusive,
                        Pause.parse("lw|2|dml|0||16400|1|UPDATE").orElseThrow(), false, -1, true, GateEffects.NONE)),
                Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");
        assertEquals(List.of("INSERT", "UPDATE"), statements.stream().map(Statement::tag).toList(), statements.toString());
        assertEquals(List.of(LockMode.ROW_EXCLUSIVE), statements.get(1).locks().stream().map(l -> l.mode()).toList(),
                statements.toString());
        assertTrue(statements.get(0).locks().get(0).heldMs() <= 2, statements.get(0).locks().toString());
    }

    /**
     * A poll reads before it stamps its time, a gate stamps before it reads: on a loaded machine (CI) a poll that saw
     * the version-table write starting the transaction was stamped after the UPDATE's gate. The SHARE ROW EXCLUSIVE a
     * LOCK TABLE took next, unseen, is still not the version write's (which gave it to the revision before), and the
     * unseen statement comes before the CREATE INDEX whose start gate found its lock, taking no time of its own.
     */
    @Test
    void aPollStampedAfterALaterGateDoesNotTakeTheLocksOfWhatRanSince() {
        BackendSample.HeldLock rowExclusive = new BackendSample.HeldLock(OID, LockMode.ROW_EXCLUSIVE, true);
        BackendSample.HeldLock shareRowExclusive = new BackendSample.HeldLock(OID, LockMode.SHARE_ROW_EXCLUSIVE, true);
        String versionWrite = "UPDATE alembic_version SET version_num='r1' WHERE alembic_version.version_num = 'r0'";
        List<Statement> statements = StatementAssembler.assemble(List.of(
                new BackendSample(1000, 7, versionWrite, 990, 980, List.of(),
                        Pause.parse("lw|1|version|0||||UPDATE").orElseThrow(), false, 1005, true, GateEffects.NONE),
                new BackendSample(1200, 7, "UPDATE orders SET note = 'x'", 1190, 980, List.of(rowExclusive),
                        Pause.parse("lw|2|dml|0||16400|1|UPDATE").orElseThrow(), false, 1205, true, GateEffects.NONE),
                new BackendSample(1300, 7, versionWrite, 990, 980, List.of(), null, false, -1, true),
                new BackendSample(1400, 7, "CREATE INDEX ix ON orders (note)", 1390, 980,
                        List.of(rowExclusive, shareRowExclusive),
                        Pause.parse("lw|3|start|0||||CREATE INDEX").orElseThrow(), false, 1405, true, GateEffects.NONE)),
                Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");

        assertEquals(List.of("UPDATE", "", "CREATE INDEX"), statements.stream().map(Statement::tag).toList(),
                statements.toString());
        assertEquals(StatementAssembler.UNSEEN_STATEMENT, statements.get(1).sql());
        assertEquals(List.of(LockMode.SHARE_ROW_EXCLUSIVE), statements.get(1).locks().stream().map(l -> l.mode()).toList());
        assertEquals(0, statements.get(1).durationMs(), statements.toString());
    }

    /**
     * warehouse 104b4c56862b: LOCK TABLE packages, then LOCK TABLE journals, then ALTER TABLE. A poll saw the first
     * LOCK TABLE only; the lock the second took, found at the ALTER's start gate, is not the first one's when the
     * driver's message counts show another message ran between them, and is when none did.
     */
    @Test
    void aLockFoundAtAGateIsThePolledStatementsOnlyWhenNoOtherMessageRanSince() {
        BackendSample.HeldLock share = new BackendSample.HeldLock(OID, LockMode.SHARE, true);
        BackendSample.HeldLock exclusive = new BackendSample.HeldLock(OID, LockMode.EXCLUSIVE, true);
        java.util.function.IntFunction<List<Statement>> gateAtMessage = message -> StatementAssembler.assemble(List.of(
                new BackendSample(1000, 7, "/* lockwatch-msg 11 LOCK */ LOCK TABLE orders IN SHARE MODE", 990, 900,
                        List.of(share), null, false, -1, true),
                new BackendSample(1200, 7, "/* lockwatch-msg " + message + " CREATE */ CREATE INDEX ix ON orders (note)",
                        1190, 900, List.of(share, exclusive), Pause.parse("lw|1|start|0||||CREATE INDEX").orElseThrow(),
                        false, 1205, true, GateEffects.NONE)),
                Catalog.of(BEFORE), java.util.Set.of(ORDERS), "alembic_version");

        List<Statement> gap = gateAtMessage.apply(13);
        assertEquals(List.of("LOCK TABLE", "", "CREATE INDEX"), gap.stream().map(Statement::tag).toList(), gap.toString());
        assertEquals(List.of(LockMode.SHARE), gap.get(0).locks().stream().map(l -> l.mode()).toList(), gap.toString());
        assertEquals(List.of(LockMode.EXCLUSIVE), gap.get(1).locks().stream().map(l -> l.mode()).toList(), gap.toString());

        List<Statement> next = gateAtMessage.apply(12);
        assertEquals(List.of("LOCK TABLE", "CREATE INDEX"), next.stream().map(Statement::tag).toList(), next.toString());
        assertEquals(List.of(LockMode.SHARE, LockMode.EXCLUSIVE), next.get(0).locks().stream().map(l -> l.mode()).toList(),
                next.toString());
    }

    @Test
    void aVersionTableWriteNamesTheRevisionItRecords() {
        assertEquals(java.util.Optional.of("r0002"), StatementAssembler.versionWritten(
                "UPDATE alembic_version SET version_num='r0002' WHERE alembic_version.version_num = 'r0001'"));
        assertEquals(java.util.Optional.of("ae1027a6acf"), StatementAssembler.versionWritten(
                "INSERT INTO public.alembic_version (version_num) VALUES ('ae1027a6acf') RETURNING alembic_version.version_num"));
        assertEquals(java.util.Optional.empty(), StatementAssembler.versionWritten(
                "DELETE FROM alembic_version WHERE alembic_version.version_num = 'b1'")); // a merge's other head
        assertEquals(java.util.Optional.empty(), StatementAssembler.versionWritten(
                "UPDATE alembic_version SET version_num=$1 WHERE alembic_version.version_num = $2")); // bound by the server
    }
}
