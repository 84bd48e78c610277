package dev.lockwatch.watch;

import dev.lockwatch.model.TableRef;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The user tables of the scratch database at one moment, by oid: what "pre-existing" means for a revision.
 *
 * @param rows {@code pg_class.reltuples} estimate per table (negative or zero when never analyzed)
 */
public record Catalog(Map<Long, TableRef> tables, Map<TableRef, Long> rows) {

    public Catalog {
        tables = Map.copyOf(tables);
        rows = Map.copyOf(rows);
    }

    public static Catalog read(Connection connection) throws SQLException {
        Map<Long, TableRef> tables = new HashMap<>();
        Map<TableRef, Long> rows = new HashMap<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("select c.oid::bigint, n.nspname, c.relname, c.reltuples::bigint"
                     + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                     + " where c.relkind in ('r', 'p', 'm', 'f')"
                     + " and n.nspname not in ('pg_catalog', 'information_schema', 'lockwatch')"
                     + " and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'")) {
            while (rs.next()) {
                TableRef table = new TableRef(rs.getString(2), rs.getString(3));
                tables.put(rs.getLong(1), table);
                rows.put(table, rs.getLong(4));
            }
        }
        return new Catalog(tables, rows);
    }

    public Optional<TableRef> table(long oid) {
        return Optional.ofNullable(tables.get(oid));
    }

    public boolean contains(TableRef table) {
        return rows.containsKey(table);
    }
}
