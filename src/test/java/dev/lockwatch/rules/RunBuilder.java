package dev.lockwatch.rules;

import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.StatementEffects.Column;
import dev.lockwatch.model.StatementEffects.TableId;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A revision's run in memory, for rule tests: tables that existed before (busy or not), then statements with the
 * locks they took and what they did, squawk-style: {@code run().table("orders").statement("ALTER TABLE ...")
 * .lock("orders", ACCESS_EXCLUSIVE).notNull("orders", 2, "qty").build()}.
 */
final class RunBuilder {
    private final Map<TableRef, TableSchema> before = new HashMap<>();
    private final Map<TableRef, TableSchema> after = new HashMap<>();
    private final Set<TableRef> busy = new HashSet<>();
    /** Tables another revision of the same deploy touched too: this revision's own after shows them as before. */
    private final Set<TableRef> shared = new HashSet<>();
    private final List<Statement> statements = new ArrayList<>();
    private int serverMajor = 16;
    private long nextOid = 16384;
    private Draft draft;

    static RunBuilder run() {
        return new RunBuilder();
    }

    /** A busy table that existed before the revision, with 1,000 rows and one text column per name in {@code columns}. */
    RunBuilder table(String name, String... columns) {
        return table(name, true, List.of(), columns);
    }

    RunBuilder quietTable(String name, String... columns) {
        return table(name, false, List.of(), columns);
    }

    /** A busy table with these validated constraints. */
    RunBuilder table(String name, boolean isBusy, List<ConstraintSchema> constraints, String... columns) {
        TableRef ref = TableRef.parse(name);
        List<ColumnSchema> cols = new ArrayList<>();
        for (int i = 0; i < columns.length; i++) {
            cols.add(new ColumnSchema(columns[i], i + 1, "text", false, null, false, false, 25, -1));
        }
        TableSchema schema = new TableSchema(ref, nextOid++, "table", false, nextOid++, new RowCount(1000, true), cols,
                constraints, List.<IndexSchema>of());
        before.put(ref, schema);
        after.put(ref, schema);
        if (isBusy) {
            busy.add(ref);
        }
        return this;
    }

    RunBuilder serverMajor(int major) {
        this.serverMajor = major;
        return this;
    }

    /** The table as the run knows it, by oid. */
    TableId id(String name) {
        TableSchema t = before.get(TableRef.parse(name));
        return new TableId(t.oid(), t.table());
    }

    /** A new statement, in the current transaction (1 unless {@link #newTransaction}), its effects reported. */
    RunBuilder statement(String sql) {
        finish();
        draft = new Draft(sql, statements.isEmpty() ? 1 : statements.get(statements.size() - 1).transaction());
        return this;
    }

    RunBuilder newTransaction() {
        draft.transaction++;
        return this;
    }

    RunBuilder lockTimeout(long ms) {
        draft.lockTimeoutMs = ms;
        return this;
    }

    RunBuilder lock(String table, LockMode mode) {
        TableRef ref = TableRef.parse(table);
        draft.locks.add(new ObservedLock(ref, mode, true, busy.contains(ref), 12, false, null));
        return this;
    }

    /** A lock the statement's transaction held before it ran (an earlier revision of the same deploy took it). */
    RunBuilder lockHeldBefore(String table, LockMode mode) {
        TableRef ref = TableRef.parse(table);
        draft.locks.add(new ObservedLock(ref, mode, true, busy.contains(ref), 12, false, null, true));
        return this;
    }

    /** The gates reported nothing for this statement (polling alone). */
    RunBuilder unknownEffects() {
        draft.effects = StatementEffects.UNKNOWN;
        return this;
    }

    RunBuilder rewrote(String table) {
        draft.effects = draft.effects.withRewritten(id(table));
        draft.rewrite = true;
        return this;
    }

    RunBuilder builtIndex(String table, String index) {
        return with(new StatementEffects(true, Set.of(), List.of(new StatementEffects.IndexBuilt(1, index, id(table))),
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), Set.of()));
    }

    RunBuilder validated(String table, ConstraintSchema.Kind kind, String name, boolean created) {
        Optional<TableId> referenced = kind == ConstraintSchema.Kind.FOREIGN_KEY && before.containsKey(TableRef.parse("parent"))
                ? Optional.of(id("parent")) : Optional.empty();
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(new StatementEffects.ConstraintValidated(7,
                name, kind, id(table), created, referenced, List.of("parent_id"), "")), List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(), Set.of()));
    }

    RunBuilder notNull(String table, String column) {
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(), List.of(column(table, column)), List.of(),
                List.of(), List.of(), List.of(), List.of(), Set.of()));
    }

    RunBuilder typeChanged(String table, String column, String from, String to) {
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(), List.of(),
                List.of(new StatementEffects.TypeChange(column(table, column), from, to)), List.of(), List.of(),
                List.of(), List.of(), Set.of()));
    }

    RunBuilder scanned(String table) {
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(), Set.of(id(table))));
    }

    RunBuilder renamed(String table, String to) {
        TableId id = id(table);
        TableRef now = TableRef.parse(to);
        after.put(now, withName(after.remove(id.name()), now));
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(new StatementEffects.TableRename(new TableId(id.oid(), now), id.name(), now)), List.of(),
                List.of(), List.of(), Set.of()));
    }

    RunBuilder droppedColumn(String table, String column) {
        TableSchema t = after.get(TableRef.parse(table));
        after.put(t.table(), new TableSchema(t.table(), t.oid(), t.kind(), t.unlogged(), t.filenode(), t.rows(),
                t.columns().stream().filter(c -> !c.name().equals(column)).toList(), t.constraints(), t.indexes()));
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(column(table, column)), Set.of()));
    }

    RunBuilder droppedTable(String table) {
        TableId id = id(table);
        after.remove(id.name());
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(id), List.of(), Set.of()));
    }

    /** A foreign key the statement created validated (oid {@code oid}), on {@code columns} of the table, to parent. */
    RunBuilder createdForeignKey(String table, long oid, String name, String... columns) {
        TableSchema t = after.get(TableRef.parse(table));
        List<ConstraintSchema> constraints = new ArrayList<>(t.constraints());
        constraints.add(new ConstraintSchema(name, ConstraintSchema.Kind.FOREIGN_KEY, true, "FOREIGN KEY", List.of(columns),
                TableRef.parse("parent"), oid));
        after.put(t.table(), new TableSchema(t.table(), t.oid(), t.kind(), t.unlogged(), t.filenode(), t.rows(),
                t.columns(), constraints, t.indexes()));
        Optional<TableId> referenced = before.containsKey(TableRef.parse("parent")) ? Optional.of(id("parent")) : Optional.empty();
        return with(new StatementEffects(true, Set.of(), List.of(), List.of(new StatementEffects.ConstraintValidated(oid,
                name, ConstraintSchema.Kind.FOREIGN_KEY, id(table), true, referenced, List.of(columns), "")), List.of(),
                List.of(), List.of(), List.of(), List.of(), List.of(), Set.of()));
    }

    /** A column the table has once the revision ended, after its existing ones. */
    RunBuilder addedColumn(String table, String column, boolean notNull) {
        TableSchema t = after.get(TableRef.parse(table));
        List<ColumnSchema> columns = new ArrayList<>(t.columns());
        columns.add(new ColumnSchema(column, 50 + columns.size(), "text", notNull, null, false, false, 25, -1));
        after.put(t.table(), new TableSchema(t.table(), t.oid(), t.kind(), t.unlogged(), t.filenode(), t.rows(),
                columns, t.constraints(), t.indexes()));
        return this;
    }

    /** A valid index on {@code columns} of the table once the revision (and its deploy) ended. */
    RunBuilder indexAfter(String table, String name, String... columns) {
        TableSchema t = after.get(TableRef.parse(table));
        List<IndexSchema> indexes = new ArrayList<>(t.indexes());
        indexes.add(new IndexSchema(name, true, false, List.of(columns), "CREATE INDEX " + name, nextOid++, nextOid++));
        after.put(t.table(), new TableSchema(t.table(), t.oid(), t.kind(), t.unlogged(), t.filenode(), t.rows(),
                t.columns(), t.constraints(), indexes));
        return this;
    }

    /**
     * Another revision of the same deploy touched the table too: the revision's own after-schema keeps it as before
     * (what a joint deploy's scoping does), the deploy's end schema has it as it is.
     */
    RunBuilder sharedWithAnotherRevision(String table) {
        shared.add(TableRef.parse(table));
        return this;
    }

    /** The column's type after the revision, by name and oid (a renamed type keeps its oid). */
    RunBuilder columnTypeAfter(String table, String column, String type, long typeOid) {
        TableSchema t = after.get(TableRef.parse(table));
        after.put(t.table(), new TableSchema(t.table(), t.oid(), t.kind(), t.unlogged(), t.filenode(), t.rows(),
                t.columns().stream().map(c -> c.name().equals(column) ? new ColumnSchema(c.name(), c.position(), type,
                        c.notNull(), c.defaultExpression(), c.identity(), c.generated(), typeOid, -1) : c).toList(),
                t.constraints(), t.indexes()));
        return this;
    }

    private static TableSchema withName(TableSchema t, TableRef name) {
        return new TableSchema(name, t.oid(), t.kind(), t.unlogged(), t.filenode(), t.rows(), t.columns(), t.constraints(),
                t.indexes());
    }

    private Column column(String table, String column) {
        TableSchema t = before.get(TableRef.parse(table));
        int attnum = t.column(column).map(ColumnSchema::position).orElse(99);
        return new Column(id(table), attnum, column);
    }

    private RunBuilder with(StatementEffects effects) {
        draft.effects = draft.effects.plus(effects);
        return this;
    }

    private void finish() {
        if (draft != null) {
            statements.add(new Statement(draft.sql, tag(draft.sql), 10, draft.lockTimeoutMs,
                    draft.locks, null, draft.rewrite, draft.transaction, null, draft.effects));
            draft = null;
        }
    }

    /** The command tag: two words for CREATE, ALTER and DROP, else the first. */
    private static String tag(String sql) {
        String[] words = sql.trim().toUpperCase(java.util.Locale.ROOT).split("\\s+");
        boolean two = words.length > 1 && List.of("CREATE", "ALTER", "DROP").contains(words[0]);
        return two ? words[0] + " " + words[1] : words[0];
    }

    RevisionRun build() {
        finish();
        Revision revision = new Revision("r2", List.of("r1"), List.of(), List.of(), Path.of("versions/r2.py"), "test");
        SchemaSnapshot end = SchemaSnapshot.of(after, Map.of(), List.of());
        if (shared.isEmpty()) {
            return new RevisionRun(revision, RevisionStatus.APPLIED, 100, statements, busy, null, serverMajor,
                    SchemaSnapshot.of(before, Map.of(), List.of()), end, DowngradeCheck.notChecked(), null, null);
        }
        Map<TableRef, TableSchema> scoped = new HashMap<>(after);
        for (TableRef table : shared) {
            TableSchema was = before.get(table);
            scoped.values().removeIf(t -> t.oid() == was.oid());
            scoped.put(table, was);
        }
        SchemaSnapshot beforeDeploy = SchemaSnapshot.of(before, Map.of(), List.of());
        Set<Long> busyOids = new HashSet<>();
        busy.forEach(t -> busyOids.add(before.get(t).oid()));
        return new RevisionRun(revision, RevisionStatus.APPLIED, 100, statements, busy, null, serverMajor, beforeDeploy,
                SchemaSnapshot.of(scoped, Map.of(), List.of()), DowngradeCheck.notChecked(), null, null,
                new dev.lockwatch.model.JointDeploy("alembic upgrade r3", List.of(), Optional.empty()), busyOids, end);
    }

    private static final class Draft {
        final String sql;
        int transaction;
        Long lockTimeoutMs = 0L;
        boolean rewrite;
        final List<ObservedLock> locks = new ArrayList<>();
        StatementEffects effects = StatementEffects.NONE;

        Draft(String sql, int transaction) {
            this.sql = sql;
            this.transaction = transaction;
        }
    }
}
