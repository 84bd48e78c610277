package dev.lockwatch.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The structural differences between two snapshots, in words: what a downgrade failed to restore. Physical
 * facts (oids, storage, row counts, column positions) and alembic's version table are not structure.
 */
public final class SchemaDiff {
    private SchemaDiff() {
    }

    /** One line per difference, e.g. {@code column public.orders.note: added (text)}; empty when the same. */
    public static List<String> between(SchemaSnapshot before, SchemaSnapshot after) {
        List<String> differences = new ArrayList<>();
        for (TableRef name : union(before.tables().keySet(), after.tables().keySet())) {
            TableSchema was = before.tables().get(name);
            TableSchema now = after.tables().get(name);
            if (was == now) {
                continue; // one table kept from read to read (see SchemaReader): nothing to compare
            }
            if (was == null || now == null) {
                differences.add(was == null ? now.kind() + " " + name + ": added" : was.kind() + " " + name + ": removed");
                continue;
            }
            compare(differences, was.kind() + " " + name, was.kind() + (was.unlogged() ? " UNLOGGED" : ""),
                    now.kind() + (now.unlogged() ? " UNLOGGED" : ""));
            compareAll(differences, "column " + name + ".", was.columns(), now.columns(), ColumnSchema::name,
                    ColumnSchema::describe);
            compareAll(differences, "constraint " + name + ".", was.constraints(), now.constraints(), ConstraintSchema::name,
                    ConstraintSchema::describe);
            compareAll(differences, "index " + name + ".", was.indexes(), now.indexes(), IndexSchema::name, IndexSchema::describe);
        }
        for (String object : union(before.objects().keySet(), after.objects().keySet())) {
            String was = before.objects().get(object);
            String now = after.objects().get(object);
            if (was == null || now == null) {
                differences.add(object + ": " + (was == null ? "added" : "removed"));
            } else {
                compare(differences, object, was, now);
            }
        }
        return differences;
    }

    private static <T> void compareAll(List<String> differences, String prefix, List<T> before, List<T> after,
                                       Function<T, String> name, Function<T, String> describe) {
        Map<String, String> was = describeByName(before, name, describe);
        Map<String, String> now = describeByName(after, name, describe);
        for (String key : union(was.keySet(), now.keySet())) {
            if (!was.containsKey(key)) {
                differences.add(prefix + key + ": added (" + now.get(key) + ")");
            } else if (!now.containsKey(key)) {
                differences.add(prefix + key + ": removed (" + was.get(key) + ")");
            } else {
                compare(differences, prefix + key, was.get(key), now.get(key));
            }
        }
    }

    private static void compare(List<String> differences, String what, String was, String now) {
        if (!Objects.equals(was, now)) {
            differences.add(what + ": " + was + " became " + now);
        }
    }

    private static <T> Map<String, String> describeByName(List<T> items, Function<T, String> name, Function<T, String> describe) {
        Map<String, String> map = new java.util.HashMap<>();
        items.forEach(item -> map.put(name.apply(item), describe.apply(item)));
        return map;
    }

    private static <T extends Comparable<T>> TreeSet<T> union(java.util.Set<T> a, java.util.Set<T> b) {
        TreeSet<T> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
