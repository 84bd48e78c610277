package dev.lockwatch.model;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What one statement did to the server's objects, as the server told the migration's own session at the statement's
 * gates, keyed by oid; the names are the objects' names at the time, for messages only.
 *
 * @param known                whether lockwatch read the statement's effects at all: false when no gate reported
 *                             them (capture by polling alone, or a statement no trigger pauses)
 * @param rewritten            tables whose storage the statement rewrote (a {@code table_rewrite} event)
 * @param indexesBuilt         indexes that got storage of their own in this statement: created, or rebuilt; an index
 *                             recreated on its old storage (a binary-coercible type change) is not one
 * @param constraintsValidated FOREIGN KEY and CHECK constraints that became validated in this statement: created
 *                             validated, or validated by VALIDATE CONSTRAINT
 * @param becameNotNull        existing columns that became NOT NULL (a column added NOT NULL is not one)
 * @param typeChanged          existing columns whose type (by oid and typmod) changed
 * @param tablesRenamed        tables that kept their oid under a new name
 * @param columnsRenamed       columns that kept their attnum under a new name
 * @param tablesDropped        tables the statement dropped
 * @param columnsDropped       columns the statement dropped
 * @param scanned              tables whose seq_scan count in the migration's transaction grew during the statement
 */
public record StatementEffects(boolean known, Set<TableId> rewritten, List<IndexBuilt> indexesBuilt,
                               List<ConstraintValidated> constraintsValidated, List<Column> becameNotNull,
                               List<TypeChange> typeChanged, List<TableRename> tablesRenamed,
                               List<ColumnRename> columnsRenamed, List<TableId> tablesDropped,
                               List<Column> columnsDropped, Set<TableId> scanned) {
    public static final StatementEffects UNKNOWN = new StatementEffects(false, Set.of(), List.of(), List.of(), List.of(),
            List.of(), List.of(), List.of(), List.of(), List.of(), Set.of());
    public static final StatementEffects NONE = new StatementEffects(true, Set.of(), List.of(), List.of(), List.of(),
            List.of(), List.of(), List.of(), List.of(), List.of(), Set.of());

    public StatementEffects {
        rewritten = Set.copyOf(rewritten);
        indexesBuilt = List.copyOf(indexesBuilt);
        constraintsValidated = List.copyOf(constraintsValidated);
        becameNotNull = List.copyOf(becameNotNull);
        typeChanged = List.copyOf(typeChanged);
        tablesRenamed = List.copyOf(tablesRenamed);
        columnsRenamed = List.copyOf(columnsRenamed);
        tablesDropped = List.copyOf(tablesDropped);
        columnsDropped = List.copyOf(columnsDropped);
        scanned = Set.copyOf(scanned);
    }

    /** A table by oid, with its name at the time. Equal by oid alone: the same table under any name. */
    public record TableId(long oid, TableRef name) {
        @Override
        public boolean equals(Object other) {
            return other instanceof TableId t && t.oid == oid;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(oid);
        }

        @Override
        public String toString() {
            return name.toString();
        }
    }

    /** A column by table oid and attnum, with its name at the time. */
    public record Column(TableId table, int attnum, String name) {
    }

    public record IndexBuilt(long oid, String name, TableId table) {
    }

    /**
     * @param created    the constraint is new in this statement (else an existing one was validated)
     * @param referenced the referenced table of a foreign key, else empty
     * @param columns    the constrained columns' names
     * @param definition a CHECK's definition, else empty
     */
    public record ConstraintValidated(long oid, String name, ConstraintSchema.Kind kind, TableId table, boolean created,
                                      Optional<TableId> referenced, List<String> columns, String definition) {
        public ConstraintValidated {
            columns = List.copyOf(columns);
        }
    }

    public record TypeChange(Column column, String from, String to) {
    }

    public record TableRename(TableId table, TableRef from, TableRef to) {
    }

    public record ColumnRename(TableId table, int attnum, String from, String to) {
    }

    /** Both statements' effects, as of one statement (a query string holding several, or gates of one statement). */
    public StatementEffects plus(StatementEffects other) {
        if (!other.known) {
            return this;
        }
        if (!known) {
            return other;
        }
        return new StatementEffects(true, union(rewritten, other.rewritten), concat(indexesBuilt, other.indexesBuilt),
                concat(constraintsValidated, other.constraintsValidated), concat(becameNotNull, other.becameNotNull),
                concat(typeChanged, other.typeChanged), concat(tablesRenamed, other.tablesRenamed),
                concat(columnsRenamed, other.columnsRenamed), concat(tablesDropped, other.tablesDropped),
                concat(columnsDropped, other.columnsDropped), union(scanned, other.scanned));
    }

    public StatementEffects withRewritten(TableId table) {
        return new StatementEffects(true, union(rewritten, Set.of(table)), indexesBuilt, constraintsValidated,
                becameNotNull, typeChanged, tablesRenamed, columnsRenamed, tablesDropped, columnsDropped, scanned);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> all = new java.util.LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }
}
