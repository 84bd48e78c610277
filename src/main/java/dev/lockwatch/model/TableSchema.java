package dev.lockwatch.model;

import java.util.List;
import java.util.Optional;

/**
 * One table (or partitioned table, materialized view, foreign table) at one moment.
 *
 * @param kind     {@code table}, {@code partitioned table}, {@code materialized view} or {@code foreign table}
 * @param filenode {@code pg_class.relfilenode}: a new one means the table's storage was rewritten
 * @param rows     null when unknown (partitioned and foreign tables, or a table lockwatch could not read)
 */
public record TableSchema(TableRef table, long oid, String kind, boolean unlogged, long filenode, RowCount rows,
                          List<ColumnSchema> columns, List<ConstraintSchema> constraints, List<IndexSchema> indexes) {

    public TableSchema {
        columns = List.copyOf(columns);
        constraints = List.copyOf(constraints);
        indexes = List.copyOf(indexes);
    }

    public Optional<ColumnSchema> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public Optional<ColumnSchema> columnAt(int position) {
        return columns.stream().filter(c -> c.position() == position).findFirst();
    }

    public Optional<ConstraintSchema> constraint(String name) {
        return constraints.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public Optional<IndexSchema> index(String name) {
        return indexes.stream().filter(i -> i.name().equals(name)).findFirst();
    }
}
