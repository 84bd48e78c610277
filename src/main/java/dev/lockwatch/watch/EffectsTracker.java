package dev.lockwatch.watch;

import dev.lockwatch.capture.GateEffects;
import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.StatementEffects.Column;
import dev.lockwatch.model.StatementEffects.TableId;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import dev.lockwatch.capture.GateEffects.ColumnState;
import dev.lockwatch.capture.GateEffects.ConstraintState;
import dev.lockwatch.capture.GateEffects.IndexState;
import dev.lockwatch.capture.GateEffects.TableState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns the table states a migration session reports at its gates into what each statement changed: each state is
 * compared, by oid, with the same table's state at its previous report, or as the revision found it (the schema read
 * before it). Pure: no database.
 */
final class EffectsTracker {
    /** Each table's latest state, by oid: as reported, or made from {@link #found} when first asked for. */
    private final Map<Long, TableState> known = new HashMap<>();
    /**
     * The tables as the revision found them, by oid, whose state nobody asked for yet: a revision touches a few of
     * a schema's hundred tables, and making every table's state cost each revision what the schema holds.
     */
    private final Map<Long, TableSchema> found = new HashMap<>();
    /** seq_scan per (backend, transaction, table) at the last report. */
    private final Map<List<Long>, Long> scans = new HashMap<>();

    EffectsTracker(SchemaSnapshot before) {
        for (TableSchema table : before.tables().values()) {
            found.put(table.oid(), table);
        }
    }

    /** The latest state of the table of {@code oid}, or null when none is known (new, or dropped). */
    private TableState known(long oid) {
        TableState state = known.get(oid);
        if (state == null) {
            TableSchema table = found.remove(oid);
            if (table != null) {
                state = state(table);
                known.put(oid, state);
            }
        }
        return state;
    }

    /** The table as the snapshot has it, in the form a gate reports it. */
    static TableState state(TableSchema table) {
        Map<Integer, ColumnState> columns = new HashMap<>();
        for (ColumnSchema c : table.columns()) {
            columns.put(c.position(), new ColumnState(c.position(), c.name(), c.notNull(), c.typeOid(), c.typmod(), c.type()));
        }
        Map<Long, ConstraintState> constraints = new HashMap<>();
        for (ConstraintSchema c : table.constraints()) {
            constraints.put(c.oid(), new ConstraintState(c.oid(), c.name(), kindCode(c.kind()), c.validated(), 0,
                    c.kind() == ConstraintSchema.Kind.CHECK ? c.definition() : "", List.of()));
        }
        Map<Long, IndexState> indexes = new HashMap<>();
        for (IndexSchema i : table.indexes()) {
            indexes.put(i.oid(), new IndexState(i.oid(), i.name(), i.filenode()));
        }
        return new TableState(table.oid(), table.table(), table.filenode(), columns, constraints, indexes);
    }

    private static char kindCode(ConstraintSchema.Kind kind) {
        return switch (kind) {
            case CHECK -> 'c';
            case FOREIGN_KEY -> 'f';
            case PRIMARY_KEY -> 'p';
            case UNIQUE -> 'u';
            case EXCLUSION -> 'x';
        };
    }

    /** The table of {@code oid} under its latest known name. */
    Optional<TableId> table(long oid) {
        return Optional.ofNullable(known(oid)).map(t -> new TableId(oid, t.table()));
    }

    /** What the statement paused at this gate changed since the last report; {@link StatementEffects#UNKNOWN} without one. */
    StatementEffects accept(BackendSample sample) {
        GateEffects gate = sample.effects();
        if (!gate.reported()) {
            return StatementEffects.UNKNOWN;
        }
        Set<TableId> scanned = new LinkedHashSet<>();
        for (Map.Entry<Long, Long> count : gate.scans().entrySet()) {
            List<Long> key = List.of((long) sample.pid(), sample.xactStartUs(), count.getKey());
            Long previous = scans.put(key, count.getValue());
            if (count.getValue() > (previous == null ? 0 : previous)) {
                scanned.add(table(count.getKey()).orElse(new TableId(count.getKey(), new TableRef("", "#" + count.getKey()))));
            }
        }
        Diff diff = new Diff();
        for (GateEffects.Dropped dropped : gate.dropped()) {
            if ("pg_class".equals(dropped.catalog()) && dropped.objsubid() == 0 && known(dropped.objid()) != null
                    && dropped.objectType().equals("table")) {
                diff.tablesDropped.add(table(dropped.objid()).orElseThrow());
                known.remove(dropped.objid());
            }
        }
        for (TableState now : gate.tables()) {
            TableState was = known(now.oid());
            known.put(now.oid(), now);
            if (was != null) {
                diff.compare(was, now);
            }
        }
        return new StatementEffects(true, Set.of(), diff.indexesBuilt, diff.validated, diff.notNull, diff.typeChanged,
                diff.tablesRenamed, diff.columnsRenamed, diff.tablesDropped, diff.columnsDropped, scanned);
    }

    /** The changes between two states of tables, by oid. */
    private final class Diff {
        final List<StatementEffects.IndexBuilt> indexesBuilt = new ArrayList<>();
        final List<StatementEffects.ConstraintValidated> validated = new ArrayList<>();
        final List<Column> notNull = new ArrayList<>();
        final List<StatementEffects.TypeChange> typeChanged = new ArrayList<>();
        final List<StatementEffects.TableRename> tablesRenamed = new ArrayList<>();
        final List<StatementEffects.ColumnRename> columnsRenamed = new ArrayList<>();
        final List<TableId> tablesDropped = new ArrayList<>();
        final List<Column> columnsDropped = new ArrayList<>();

        void compare(TableState was, TableState now) {
            TableId table = new TableId(now.oid(), now.table());
            if (!was.table().equals(now.table())) {
                tablesRenamed.add(new StatementEffects.TableRename(table, was.table(), now.table()));
            }
            for (ColumnState before : was.columns().values()) {
                ColumnState after = now.columns().get(before.attnum());
                if (after == null) {
                    columnsDropped.add(new Column(table, before.attnum(), before.name()));
                    continue;
                }
                if (!before.name().equals(after.name())) {
                    columnsRenamed.add(new StatementEffects.ColumnRename(table, after.attnum(), before.name(), after.name()));
                }
                if (after.notNull() && !before.notNull()) {
                    notNull.add(new Column(table, after.attnum(), after.name()));
                }
                boolean typeKnown = before.typeOid() != 0 && after.typeOid() != 0;
                if (typeKnown ? before.typeOid() != after.typeOid() || before.typmod() != after.typmod()
                        : !before.type().equals(after.type())) {
                    typeChanged.add(new StatementEffects.TypeChange(new Column(table, after.attnum(), after.name()),
                            before.type(), after.type()));
                }
            }
            for (ConstraintState c : now.constraints().values()) {
                ConstraintState before = was.constraints().get(c.oid());
                boolean checks = c.kind() == 'c' || c.kind() == 'f';
                if (checks && c.validated() && (before == null || !before.validated())) {
                    Optional<ConstraintSchema.Kind> kind = ConstraintSchema.Kind.fromCode(String.valueOf(c.kind()));
                    List<String> columns = c.columns().stream().map(n -> Optional.ofNullable(now.columns().get(n))
                            .map(ColumnState::name).orElse("(expression)")).toList();
                    validated.add(new StatementEffects.ConstraintValidated(c.oid(), c.name(), kind.orElseThrow(), table,
                            before == null, c.referenced() == 0 ? Optional.empty() : table(c.referenced()), columns,
                            c.definition()));
                }
            }
            Set<Long> storage = was.indexes().values().stream().map(IndexState::filenode).collect(Collectors.toSet());
            for (IndexState index : now.indexes().values()) {
                if (!storage.contains(index.filenode())) {
                    indexesBuilt.add(new StatementEffects.IndexBuilt(index.oid(), index.name(), table));
                }
            }
        }
    }
}
