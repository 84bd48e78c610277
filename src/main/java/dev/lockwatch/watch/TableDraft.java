package dev.lockwatch.watch;

import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A table as one catalog read of {@link SchemaReader} assembles it, row by row: its pg_class row first, then its
 * columns (so that keys can be turned into column names), constraints and indexes, each result filed under its
 * table by oid.
 */
final class TableDraft {
    private static final Map<String, String> KIND_NAMES = Map.of("r", "table", "p", "partitioned table",
            "m", "materialized view", "f", "foreign table");

    long oid;
    TableRef table;
    String kind;
    boolean unlogged;
    long filenode;
    double reltuples;
    long relpages;
    final List<ColumnSchema> columns = new ArrayList<>();
    final List<Pending> pending = new ArrayList<>();
    final List<ConstraintSchema> constraints = new ArrayList<>();
    final List<IndexSchema> indexes = new ArrayList<>();

    TableSchema schema(RowCount rows) {
        return new TableSchema(table, oid, kind, unlogged, filenode, rows, columns, constraints, indexes);
    }

    /** {@code "2 3"} (attnums) as column names, at most {@code limit}; 0 is an expression. */
    List<String> columnNames(String attnums, int limit) {
        if (attnums.isBlank()) {
            return List.of();
        }
        return Arrays.stream(attnums.trim().split(" ")).limit(limit).map(Integer::parseInt)
                .map(n -> columns.stream().filter(c -> c.position() == n).map(ColumnSchema::name).findFirst()
                        .orElse("(expression)"))
                .toList();
    }

    /** A draft of each table the tables' rows (CatalogQueries.TABLES) name, by oid, in their order. */
    static Map<Long, TableDraft> read(ResultSet rs) throws SQLException {
        Map<Long, TableDraft> drafts = new LinkedHashMap<>();
        try (rs) {
            while (rs.next()) {
                TableDraft d = new TableDraft();
                d.oid = rs.getLong(1);
                d.table = new TableRef(rs.getString(2), rs.getString(3));
                d.kind = KIND_NAMES.get(rs.getString(4));
                d.unlogged = rs.getBoolean(5);
                d.filenode = rs.getLong(6);
                d.reltuples = rs.getDouble(7);
                d.relpages = rs.getLong(8);
                drafts.put(d.oid, d);
            }
        }
        return drafts;
    }

    private static void addColumn(TableDraft d, ResultSet rs) throws SQLException {
        d.columns.add(new ColumnSchema(rs.getString(2), rs.getInt(3), rs.getString(4), rs.getBoolean(5), rs.getString(6),
                rs.getBoolean(7), rs.getBoolean(8), rs.getLong(9), rs.getInt(10)));
    }

    /** A constraint, its referenced table (by oid) named once every table of the read is known. */
    private static void addConstraint(TableDraft d, ResultSet rs) throws SQLException {
        Optional<ConstraintSchema.Kind> kind = ConstraintSchema.Kind.fromCode(rs.getString(3));
        if (kind.isPresent()) {
            d.pending.add(new Pending(new ConstraintSchema(rs.getString(2), kind.get(), rs.getBoolean(4), rs.getString(5),
                    d.columnNames(rs.getString(6), Integer.MAX_VALUE), null, rs.getLong(8)), rs.getLong(7)));
        }
    }

    /** A constraint as read, with the oid of the table a foreign key references (0 for other kinds). */
    private record Pending(ConstraintSchema constraint, long referencedOid) {
    }

    private static void addIndex(TableDraft d, ResultSet rs) throws SQLException {
        d.indexes.add(new IndexSchema(rs.getString(2), rs.getBoolean(3), rs.getBoolean(4),
                d.columnNames(rs.getString(5), rs.getInt(6)), rs.getString(7), rs.getLong(8), rs.getLong(9)));
    }

    /** Files the columns' rows (columnsQuery) under their tables. */
    static void fileColumns(ResultSet rs, Map<Long, TableDraft> drafts) throws SQLException {
        file(rs, drafts, TableDraft::addColumn);
    }

    /** Files the constraints' rows (constraintsQuery) under their tables. */
    static void fileConstraints(ResultSet rs, Map<Long, TableDraft> drafts) throws SQLException {
        file(rs, drafts, TableDraft::addConstraint);
    }

    /** Files the indexes' rows (indexesQuery) under their tables. */
    static void fileIndexes(ResultSet rs, Map<Long, TableDraft> drafts) throws SQLException {
        file(rs, drafts, TableDraft::addIndex);
    }

    /** A foreign key's referenced table by its name now: read in the same pass, else as the last read has it. */
    static void resolveReferences(Map<Long, TableDraft> drafts, Map<Long, TableSchema> known) {
        for (TableDraft d : drafts.values()) {
            d.constraints.clear();
            for (Pending p : d.pending) {
                TableDraft referenced = drafts.get(p.referencedOid());
                TableRef name = referenced != null ? referenced.table
                        : Optional.ofNullable(known.get(p.referencedOid())).map(TableSchema::table).orElse(null);
                ConstraintSchema c = p.constraint();
                d.constraints.add(new ConstraintSchema(c.name(), c.kind(), c.validated(), c.definition(), c.columns(),
                        name, c.oid()));
            }
        }
    }

    /** Files each row of {@code rs} under the table whose oid is its first column. */
    private static void file(ResultSet rs, Map<Long, TableDraft> drafts, RowHandler handler) throws SQLException {
        try (rs) {
            while (rs.next()) {
                TableDraft d = drafts.get(rs.getLong(1));
                if (d != null) {
                    handler.accept(d, rs);
                }
            }
        }
    }

    @FunctionalInterface
    private interface RowHandler {
        void accept(TableDraft draft, ResultSet rs) throws SQLException;
    }
}
