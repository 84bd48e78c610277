package dev.lockwatch.data;

import dev.lockwatch.model.TableRef;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Fills tables with synthetic rows that satisfy their column types, NOT NULL, unique and foreign-key
 * constraints, so lock hold times are measured on volume rather than on empty tables. One
 * {@code INSERT ... SELECT ... FROM generate_series} per table, parents first, then ANALYZE. Columns with a
 * default (serial, identity, now()) take it; a table whose rows cannot be made (a CHECK constraint the values
 * miss, a type lockwatch cannot generate in a NOT NULL column) is skipped with the reason.
 */
public final class SeedData {
    private static final String COLUMNS = """
            select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   a.atthasdef or coalesce(to_jsonb(a) ->> 'attidentity', '') <> '',
                   coalesce(to_jsonb(a) ->> 'attgenerated', '') <> '',
                   b.typname, b.typcategory, case when t.typtype = 'd' then t.typtypmod else a.atttypmod end,
                   e.typname, e.typcategory, format_type(b.oid, null), format_type(e.oid, null),
                   exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indisunique
                                                     and a.attnum = any (i.indkey::int2[]))
              from pg_attribute a
              join pg_type t on t.oid = a.atttypid
              join pg_type b on b.oid = case when t.typtype = 'd' then t.typbasetype else t.oid end
              left join pg_type e on e.oid = b.typelem and b.typcategory = 'A'
             where a.attrelid = ?::regclass and a.attnum > 0 and not a.attisdropped
             order by a.attnum
            """;
    private static final String FOREIGN_KEYS = """
            select c.conname, c.confrelid::regclass::text, n.nspname, p.relname,
                   array(select a.attname from unnest(c.conkey) with ordinality k(n, o)
                         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o)::text[],
                   array(select a.attname from unnest(c.confkey) with ordinality k(n, o)
                         join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.o)::text[]
              from pg_constraint c join pg_class p on p.oid = c.confrelid join pg_namespace n on n.oid = p.relnamespace
             where c.contype = 'f' and c.conrelid = ?::regclass
            """;

    private final Connection connection;
    private final long rows;
    private final Consumer<String> progress;
    private final String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));

    /**
     * What seeding did.
     *
     * @param filled  rows inserted per table
     * @param skipped why a table was not filled
     */
    public record Outcome(long rowsPerTable, Map<TableRef, Long> filled, Map<TableRef, String> skipped) {
        public Outcome {
            filled = Map.copyOf(filled);
            skipped = Map.copyOf(skipped);
        }
    }

    private record Column(String name, String declared, boolean notNull, boolean hasDefault, boolean generated,
                          String base, String category, int typmod, String element, String elementCategory,
                          String baseDeclared, String elementDeclared, boolean unique) {
    }

    private record ForeignKey(String name, TableRef parent, String parentRegclass, List<String> columns,
                              List<String> parentColumns) {
    }

    public SeedData(Connection connection, long rows, Consumer<String> progress) {
        this.connection = connection;
        this.rows = rows;
        this.progress = progress;
    }

    /** Fills {@code tables}, and the empty tables their NOT NULL foreign keys need, with {@code rows} rows each. */
    public Outcome fill(Set<TableRef> tables) throws SQLException {
        Map<TableRef, List<ForeignKey>> keys = new HashMap<>();
        List<TableRef> order = new ArrayList<>();
        Set<TableRef> visiting = new LinkedHashSet<>();
        for (TableRef table : tables) {
            if (fillable(table)) {
                visit(table, keys, order, visiting);
            }
        }
        Map<TableRef, Long> filled = new LinkedHashMap<>();
        Map<TableRef, String> skipped = new LinkedHashMap<>();
        for (TableRef table : order) {
            if (!tables.contains(table) && count(table) > 0) {
                continue; // a parent that has rows already: children reference those
            }
            String insert;
            try {
                insert = insertStatement(table, keys.get(table));
            } catch (IllegalArgumentException unseedable) {
                skipped.put(table, unseedable.getMessage());
                progress.accept("seed: skipped " + table + ": " + unseedable.getMessage());
                continue;
            }
            try (Statement s = connection.createStatement()) {
                long inserted = s.executeLargeUpdate(insert);
                s.execute("analyze " + table.sql());
                filled.put(table, inserted);
                progress.accept("seed: " + table + ": " + inserted + " rows");
            } catch (SQLException e) {
                String reason = e.getMessage().lines().findFirst().orElse(e.getSQLState()).replaceFirst("^ERROR: ", "");
                skipped.put(table, reason);
                progress.accept("seed: skipped " + table + ": " + reason);
            }
        }
        return new Outcome(rows, filled, skipped);
    }

    /** Parents first (depth-first on foreign keys); a cycle is cut where it closes. */
    private void visit(TableRef table, Map<TableRef, List<ForeignKey>> keys, List<TableRef> order, Set<TableRef> visiting)
            throws SQLException {
        if (order.contains(table) || !visiting.add(table)) {
            return;
        }
        List<ForeignKey> foreignKeys = foreignKeys(table);
        keys.put(table, foreignKeys);
        for (ForeignKey key : foreignKeys) {
            if (!key.parent().equals(table)) {
                visit(key.parent(), keys, order, visiting);
            }
        }
        visiting.remove(table);
        order.add(table);
    }

    private String insertStatement(TableRef table, List<ForeignKey> foreignKeys) throws SQLException {
        List<Column> columns = columns(table);
        Map<String, String> values = new LinkedHashMap<>();
        List<String> joins = new ArrayList<>();
        for (int k = 0; k < foreignKeys.size(); k++) {
            ForeignKey key = foreignKeys.get(k);
            if (key.columns().stream().anyMatch(values::containsKey)) {
                continue; // a column in two keys takes the first one's parent
            }
            String alias = "p" + k;
            if (key.parent().equals(table)) {
                for (String column : key.columns()) {
                    values.put(column, "null"); // a self reference: top-level rows
                }
                continue;
            }
            String keyList = String.join(", ", key.parentColumns().stream().map(SeedData::ident).toList());
            String notNull = String.join(" and ", key.parentColumns().stream().map(c -> ident(c) + " is not null").toList());
            joins.add("left join (select " + keyList + ", row_number() over (order by " + keyList + ") as lw_rn from "
                    + key.parentRegclass() + " where " + notNull + ") " + alias + " on " + alias + ".lw_rn = 1 + (g - 1) % "
                    + "nullif((select count(*) from " + key.parentRegclass() + " where " + notNull + "), 0)");
            for (int i = 0; i < key.columns().size(); i++) {
                values.put(key.columns().get(i), alias + "." + ident(key.parentColumns().get(i)));
            }
        }
        for (Column column : columns) {
            if (column.generated() || values.containsKey(column.name()) || column.hasDefault()) {
                continue;
            }
            Optional<String> value = value(table, column);
            if (value.isPresent()) {
                values.put(column.name(), "(" + value.get() + ")::" + column.declared());
            } else if (column.notNull()) {
                throw new IllegalArgumentException("lockwatch cannot generate values of type " + column.declared()
                        + " for NOT NULL column " + column.name());
            }
        }
        if (values.isEmpty()) { // every column has a default
            return "insert into " + table.sql() + " select from generate_series(1, " + rows + ") g";
        }
        return "insert into " + table.sql() + " (" + String.join(", ", values.keySet().stream()
                .map(SeedData::ident).toList()) + ") select " + String.join(", ", values.values())
                + " from generate_series(1, " + rows + ") g " + String.join(" ", joins);
    }

    /** An expression of {@code g} (1..rows) of the column's type, distinct per row for unique columns. */
    private Optional<String> value(TableRef table, Column column) {
        if ("A".equals(column.category())) {
            return scalar(table, column, column.element(), column.elementCategory(), -1, column.elementDeclared(), false)
                    .map(element -> "array[(" + element + ")::" + column.elementDeclared() + "]");
        }
        return scalar(table, column, column.base(), column.category(), column.typmod(), column.baseDeclared(),
                column.unique());
    }

    private Optional<String> scalar(TableRef table, Column column, String type, String category, int typmod,
                                    String declared, boolean unique) {
        String afterExisting = "(select coalesce(max(" + ident(column.name()) + "), 0) from " + table.sql() + ") + g";
        return Optional.ofNullable(switch (type) {
            case "int2" -> unique ? afterExisting : "g % 32000";
            case "int4", "int8", "oid" -> unique ? afterExisting : "g";
            case "numeric" -> numeric(typmod, unique);
            case "float4", "float8" -> "g * 1.5";
            case "money" -> "(g % 1000)::numeric";
            case "text", "varchar", "bpchar", "name", "citext" -> text(column.name(), type, typmod, unique);
            case "bool" -> "g % 2 = 0";
            case "date" -> unique ? "date '2000-01-01' + g" : "date '2020-01-01' + (g % 3650)";
            case "timestamp", "timestamptz" -> "timestamp '2020-01-01' + g * interval '1 second'";
            case "time", "timetz" -> "time '00:00' + (g % 86400) * interval '1 second'";
            case "interval" -> "g * interval '1 second'";
            case "uuid" -> "md5('" + token + "' || g::text)::uuid";
            case "json", "jsonb" -> "json_build_object('n', g)";
            case "bytea" -> "decode(md5(g::text), 'hex')";
            case "inet", "cidr" -> "'10.0.0.0'::inet + g";
            default -> "E".equals(category)
                    ? "(enum_range(null::" + declared + "))[1 + g % cardinality(enum_range(null::" + declared + "))]"
                    : "S".equals(category) ? text(column.name(), type, typmod, unique) : null;
        });
    }

    /** Values that fit numeric(p, s): the integer part has p - s digits. */
    private static String numeric(int typmod, boolean unique) {
        if (typmod < 4) {
            return unique ? "g" : "(g % 100000) / 100.0";
        }
        int precision = ((typmod - 4) >> 16) & 0xffff;
        int scale = (typmod - 4) & 0xffff;
        int digits = Math.max(1, precision - scale);
        long modulo = (long) Math.pow(10, Math.min(digits, 15));
        return unique ? "g % " + modulo : "(g % " + Math.min(modulo, 100000) + ")";
    }

    /** Unique values carry this run's token, so they never meet rows a dump or an earlier seed left. */
    private String text(String column, String type, int typmod, boolean unique) {
        String value = unique ? "'" + token + "-' || g::text" : "'" + column.replace("'", "''") + " ' || g::text";
        boolean bounded = ("varchar".equals(type) || "bpchar".equals(type)) && typmod > 4;
        return bounded ? "right(" + value + ", " + (typmod - 4) + ")" : value;
    }

    private boolean fillable(TableRef table) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(
                "select c.relkind in ('r', 'p') and not coalesce((to_jsonb(c) ->> 'relispartition')::boolean, false)"
                        + " from pg_class c where c.oid = ?::regclass")) {
            s.setString(1, table.sql());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private long count(TableRef table) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from (select 1 from " + table.sql() + " limit 1) t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<Column> columns(TableRef table) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement(COLUMNS)) {
            s.setString(1, table.sql());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(new Column(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4),
                            rs.getBoolean(5), rs.getString(6), rs.getString(7), rs.getInt(8), rs.getString(9),
                            rs.getString(10), rs.getString(11), rs.getString(12), rs.getBoolean(13)));
                }
            }
        }
        return columns;
    }

    private List<ForeignKey> foreignKeys(TableRef table) throws SQLException {
        List<ForeignKey> keys = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement(FOREIGN_KEYS)) {
            s.setString(1, table.sql());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    keys.add(new ForeignKey(rs.getString(1), new TableRef(rs.getString(3), rs.getString(4)),
                            rs.getString(2), List.of((String[]) rs.getArray(5).getArray()),
                            List.of((String[]) rs.getArray(6).getArray())));
                }
            }
        }
        return keys;
    }

    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
