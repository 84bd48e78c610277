package dev.lockwatch.model;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The user schema of the scratch database at one moment, read from the catalog (lockwatch's own schema and
 * alembic's version table left out). A value, as a record would be (equal by its three parts), that also keeps its
 * tables by oid: rules look a table up by oid once per busy table, and a scan of every table for each made a
 * revision's rules cost the square of the schema (21 ms a revision with 2,500 tables).
 */
public final class SchemaSnapshot {
    public static final SchemaSnapshot EMPTY = new SchemaSnapshot(new TreeMap<>(), new TreeMap<>(), List.of());

    private final SortedMap<TableRef, TableSchema> tables;
    private final SortedMap<String, String> objects;
    private final List<String> versions;
    private final Map<Long, TableSchema> byOid = new HashMap<>();

    /**
     * @param tables   every table, partitioned table, materialized view and foreign table
     * @param objects  other schema objects by {@code kind schema.name} (sequences, views, enum and domain types),
     *                 each with its definition
     * @param versions the revision ids in alembic's version table
     */
    public SchemaSnapshot(SortedMap<TableRef, TableSchema> tables, SortedMap<String, String> objects,
                          List<String> versions) {
        this.tables = Collections.unmodifiableSortedMap(new TreeMap<>(tables));
        this.objects = Collections.unmodifiableSortedMap(new TreeMap<>(objects));
        this.versions = List.copyOf(versions);
        this.tables.values().forEach(t -> byOid.putIfAbsent(t.oid(), t));
    }

    public static SchemaSnapshot of(Map<TableRef, TableSchema> tables, Map<String, String> objects, List<String> versions) {
        return new SchemaSnapshot(new TreeMap<>(tables), new TreeMap<>(objects), versions);
    }

    public SortedMap<TableRef, TableSchema> tables() {
        return tables;
    }

    public SortedMap<String, String> objects() {
        return objects;
    }

    public List<String> versions() {
        return versions;
    }

    public Optional<TableSchema> table(TableRef table) {
        return Optional.ofNullable(tables.get(table));
    }

    /** The same table object (by oid) under whatever name it has here. */
    public Optional<TableSchema> tableWithOid(long oid) {
        return Optional.ofNullable(byOid.get(oid));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SchemaSnapshot s && tables.equals(s.tables) && objects.equals(s.objects)
                && versions.equals(s.versions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tables, objects, versions);
    }

    @Override
    public String toString() {
        return "SchemaSnapshot[tables=" + tables + ", objects=" + objects + ", versions=" + versions + "]";
    }
}
