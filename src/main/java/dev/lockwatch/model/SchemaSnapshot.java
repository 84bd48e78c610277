package dev.lockwatch.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The user schema of the scratch database at one moment, read from the catalog (lockwatch's own schema and
 * alembic's version table left out).
 *
 * @param tables   every table, partitioned table, materialized view and foreign table
 * @param objects  other schema objects by {@code kind schema.name} (sequences, views, enum and domain types),
 *                 each with its definition
 * @param versions the revision ids in alembic's version table
 */
public record SchemaSnapshot(SortedMap<TableRef, TableSchema> tables, SortedMap<String, String> objects,
                             List<String> versions) {
    public static final SchemaSnapshot EMPTY = new SchemaSnapshot(new TreeMap<>(), new TreeMap<>(), List.of());

    public SchemaSnapshot {
        tables = Collections.unmodifiableSortedMap(new TreeMap<>(tables));
        objects = Collections.unmodifiableSortedMap(new TreeMap<>(objects));
        versions = List.copyOf(versions);
    }

    public static SchemaSnapshot of(Map<TableRef, TableSchema> tables, Map<String, String> objects, List<String> versions) {
        return new SchemaSnapshot(new TreeMap<>(tables), new TreeMap<>(objects), versions);
    }

    public Optional<TableSchema> table(TableRef table) {
        return Optional.ofNullable(tables.get(table));
    }

    /** The same table object (by oid) under whatever name it has here. */
    public Optional<TableSchema> tableWithOid(long oid) {
        return tables.values().stream().filter(t -> t.oid() == oid).findFirst();
    }
}
