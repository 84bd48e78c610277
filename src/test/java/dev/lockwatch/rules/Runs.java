package dev.lockwatch.rules;

import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.ProductionEstimate;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Small in-memory revision runs for the rules' unit tests: tables that existed before the revision are busy,
 * tables it created are not, as the watcher would report them.
 */
final class Runs {
    private final Map<TableRef, TableSchema> before = new LinkedHashMap<>();
    private final Map<TableRef, TableSchema> after = new LinkedHashMap<>();
    private final List<Statement> statements = new ArrayList<>();
    private RevisionStatus status = RevisionStatus.APPLIED;
    private String error;
    private int major = 16;

    static Runs revision() {
        return new Runs();
    }

    static TableRef table(String name) {
        return TableRef.parse(name);
    }

    /** A table that existed before the revision (so it is busy), with {@code rows} rows, kept by the revision. */
    Runs existing(String name, String kind, long rows, ConstraintSchema... constraints) {
        TableRef ref = table(name);
        TableSchema shape = new TableSchema(ref, 1000 + before.size(), kind, false, 1, new RowCount(rows, true), List.of(),
                List.of(constraints), List.of());
        before.put(ref, shape);
        after.put(ref, shape);
        return this;
    }

    /** A table that existed before the revision with {@code was} constraints and has {@code now} after it. */
    Runs existing(String name, List<ConstraintSchema> was, List<ConstraintSchema> now) {
        existing(name, "table", 1000, was.toArray(ConstraintSchema[]::new));
        TableSchema shape = after.get(table(name));
        after.put(shape.table(), new TableSchema(shape.table(), shape.oid(), shape.kind(), false, 1, shape.rows(),
                List.of(), now, List.of()));
        return this;
    }

    Runs existing(String name, long rows) {
        return existing(name, "table", rows);
    }

    /** A table the revision created: in the after snapshot only, never busy. */
    Runs created(String name) {
        TableRef ref = table(name);
        after.put(ref, new TableSchema(ref, 5000 + after.size(), "table", false, 1, new RowCount(0, true), List.of(),
                List.of(), List.of()));
        return this;
    }

    /** A statement of transaction {@code transaction} holding {@code locks} ("orders ACCESS EXCLUSIVE"). */
    Runs statement(String sql, String tag, int transaction, String... locks) {
        return ddl(sql, tag, transaction, null, locks);
    }

    /** A DDL statement that told the table it acted on ({@code target}), as its end gate does. */
    Runs ddl(String sql, String tag, int transaction, String target, String... locks) {
        List<ObservedLock> observed = new ArrayList<>();
        for (String lock : locks) {
            int space = lock.indexOf(' ');
            TableRef ref = table(lock.substring(0, space));
            LockMode mode = LockMode.fromSqlName(lock.substring(space + 1)).orElseThrow();
            observed.add(new ObservedLock(ref, mode, true, before.containsKey(ref), 12, false, null));
        }
        statements.add(new Statement(sql, tag, 12, 0L, observed, target == null ? null : table(target), false,
                transaction));
        return this;
    }

    /** A statement of transaction {@code transaction} that ended still queued for {@code lock} ("orders ACCESS EXCLUSIVE"). */
    Runs waiting(String sql, String tag, int transaction, String lock) {
        statement(sql, tag, transaction, lock);
        Statement last = statements.remove(statements.size() - 1);
        ObservedLock held = last.locks().get(0);
        statements.add(last.withLocks(List.of(new ObservedLock(held.table(), held.mode(), false, held.busy(), 4990,
                false, null))));
        return this;
    }

    /** A statement holding one lock on {@code table} whose hold time production's statistics scale to {@code ms}. */
    Runs estimated(String tag, int transaction, String table, LockMode mode, long estimatedMs) {
        TableRef ref = table(table);
        ObservedLock lock = new ObservedLock(ref, mode, true, before.containsKey(ref), 12, false,
                new ProductionEstimate(1000, 1000 * estimatedMs / 12, estimatedMs));
        statements.add(new Statement(tag + " ...", tag, 12, 0L, List.of(lock), ref, false, transaction));
        return this;
    }

    /** An UPDATE or DELETE on {@code table} that its gate says changed {@code rows} rows. */
    Runs dml(String tag, String table, long rows, ProductionEstimate estimate) {
        TableRef ref = table(table);
        ObservedLock lock = new ObservedLock(ref, LockMode.ROW_EXCLUSIVE, true, before.containsKey(ref), 12, false,
                estimate);
        statements.add(new Statement(tag + " " + table + " SET ...", tag, 12, 0L, List.of(lock), null, false, 1,
                null, java.util.OptionalLong.of(rows)));
        return this;
    }

    Runs failed(String alembicError) {
        status = RevisionStatus.FAILED;
        error = alembicError;
        return this;
    }

    Runs onServer(int serverMajor) {
        major = serverMajor;
        return this;
    }

    RevisionRun run() {
        Revision revision = new Revision("r2", List.of("r1"), List.of(), List.of(), Path.of("r2.py"), "test");
        Set<TableRef> busy = before.keySet().stream().collect(Collectors.toSet());
        return new RevisionRun(revision, status, 40, statements, busy, error, major,
                SchemaSnapshot.of(before, Map.of(), List.of("r1")), SchemaSnapshot.of(after, Map.of(), List.of("r2")),
                DowngradeCheck.notChecked(), null, null);
    }

    static ConstraintSchema check(String name, boolean validated) {
        return new ConstraintSchema(name, ConstraintSchema.Kind.CHECK, validated, "CHECK ((id > 0))", List.of("id"), null);
    }
}
