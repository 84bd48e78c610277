package dev.lockwatch.watch;

import dev.lockwatch.model.ColumnSchema;
import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.IndexSchema;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a {@link SchemaSnapshot} from the catalog on lockwatch's own connection, between revisions (never while
 * a migration runs). Queries are written for PostgreSQL 10 and later; newer catalog columns are read only where
 * they exist.
 *
 * <p>A read is answered from the last one while no write transaction has begun or ended on the server since:
 * the next revision's "before" is then the last one's "after", read once. The server's transaction snapshot
 * ({@code txid_current_snapshot()}) is the witness: every change to a table or the catalog takes a transaction
 * id, which moves its upper bound, and ending one changes its list of running transactions.
 */
public final class SchemaReader {
    private static final String USER_SCHEMA = " n.nspname not in ('pg_catalog', 'information_schema', 'lockwatch')"
            + " and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'";
    private static final String TABLE_KINDS = " c.relkind in ('r', 'p', 'm', 'f')";
    private static final Map<String, String> KIND_NAMES = Map.of("r", "table", "p", "partitioned table",
            "m", "materialized view", "f", "foreign table");
    private static final String TABLES = "select c.oid::bigint, n.nspname, c.relname, c.relkind::text,"
            + " c.relpersistence = 'u', c.relfilenode::bigint, c.reltuples::float8, c.relpages::bigint"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where" + TABLE_KINDS + " and c.relname <> ? and" + USER_SCHEMA;
    private static final String CONSTRAINTS = "select co.conrelid::bigint, co.conname, co.contype::text,"
            + " co.convalidated, pg_get_constraintdef(co.oid), coalesce(array_to_string(co.conkey, ' '), ''),"
            + " co.confrelid::bigint, co.oid::bigint"
            + " from pg_constraint co join pg_class c on c.oid = co.conrelid join pg_namespace n on n.oid = c.relnamespace"
            + " where" + USER_SCHEMA + " order by co.conrelid, co.conname";
    /** Sequences, views and user types: what else a revision creates and its downgrade must remove. */
    private static final String OBJECTS = "select case c.relkind when 'S' then 'sequence' else 'view' end || ' ' || n.nspname"
            + " || '.' || c.relname, case c.relkind when 'v' then pg_get_viewdef(c.oid) else '' end"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('S', 'v') and" + USER_SCHEMA
            + " union all select case t.typtype when 'e' then 'enum type ' else 'domain ' end || n.nspname || '.' || t.typname,"
            + " case t.typtype when 'e' then (select string_agg(e.enumlabel, ', ' order by e.enumsortorder)"
            + " from pg_enum e where e.enumtypid = t.oid) else format_type(t.typbasetype, t.typtypmod) end"
            + " from pg_type t join pg_namespace n on n.oid = t.typnamespace where t.typtype in ('e', 'd') and" + USER_SCHEMA;
    /** Where alembic's version table is (in whichever schema env.py put it). */
    private static final String VERSION_TABLE = "select format('%I.%I', n.nspname, c.relname)"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = ? and c.relkind = 'r'"
            + " and" + USER_SCHEMA + " order by n.nspname = 'public' desc limit 1";

    private final Connection connection;
    private final String versionTable;
    private final int major;
    /** Every catalog query of a read, one after another: a read sends them in one round trip. */
    private final String catalog;
    private long blockSize;
    private SchemaSnapshot last;
    private boolean lastCounted;
    private String lastTransactions;

    public SchemaReader(Connection connection, String versionTable, int major) {
        this.connection = connection;
        this.versionTable = versionTable;
        this.major = major;
        this.catalog = String.join(";\n", TABLES, columnsQuery(major), CONSTRAINTS, indexesQuery(major), OBJECTS,
                VERSION_TABLE);
    }

    /** The schema with each table's rows: what rules judge. */
    public SchemaSnapshot read() throws SQLException {
        return read(true);
    }

    /** The schema without counting rows: enough to compare shapes (the downgrade round trip). */
    public SchemaSnapshot readShape() throws SQLException {
        return read(false);
    }

    private SchemaSnapshot read(boolean countRows) throws SQLException {
        String transactions = transactions();
        if (last != null && transactions.equals(lastTransactions) && (lastCounted || !countRows)) {
            return last;
        }
        Map<Long, Draft> drafts;
        Map<String, String> objects;
        String qualifiedVersionTable;
        // one statement after another, each answering in turn: tables first, as the rest is filed under them
        try (PreparedStatement s = connection.prepareStatement(catalog)) {
            s.setString(1, versionTable);
            s.setString(2, versionTable);
            s.execute();
            drafts = tables(s.getResultSet());
            s.getMoreResults();
            file(s.getResultSet(), drafts, SchemaReader::addColumn);
            s.getMoreResults();
            file(s.getResultSet(), drafts, (d, rs) -> addConstraint(d, rs, drafts));
            s.getMoreResults();
            file(s.getResultSet(), drafts, SchemaReader::addIndex);
            s.getMoreResults();
            objects = objects(s.getResultSet());
            s.getMoreResults();
            qualifiedVersionTable = firstValue(s.getResultSet());
        }
        Map<Long, RowCount> rows = countRows ? rows(drafts.values()) : Map.of();
        Map<TableRef, TableSchema> tables = new HashMap<>();
        for (Draft d : drafts.values()) {
            tables.put(d.table, new TableSchema(d.table, d.oid, d.kind, d.unlogged, d.filenode,
                    rows.get(d.oid), d.columns, d.constraints, d.indexes));
        }
        last = SchemaSnapshot.of(tables, objects, versions(qualifiedVersionTable));
        lastCounted = countRows;
        lastTransactions = transactions; // taken before reading: a change during the read makes the next one read again
        return last;
    }

    private String transactions() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("select txid_current_snapshot()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String columnsQuery(int major) {
        String generated = major >= 12 ? "a.attgenerated::text <> ''" : "false";
        return "select a.attrelid::bigint, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
                + " pg_get_expr(d.adbin, d.adrelid), a.attidentity::text <> '', " + generated
                + ", a.atttypid::bigint, a.atttypmod"
                + " from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace"
                + " left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum"
                + " where a.attnum > 0 and not a.attisdropped and" + TABLE_KINDS + " and" + USER_SCHEMA
                + " order by a.attrelid, a.attnum";
    }

    private static String indexesQuery(int major) {
        String keyColumns = major >= 11 ? "i.indnkeyatts" : "i.indnatts";
        return "select i.indrelid::bigint, ic.relname, i.indisvalid, i.indisunique, array_to_string(i.indkey::int2[], ' '), "
                + keyColumns + ", pg_get_indexdef(i.indexrelid), ic.oid::bigint, ic.relfilenode::bigint"
                + " from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_class c on c.oid = i.indrelid"
                + " join pg_namespace n on n.oid = c.relnamespace where" + USER_SCHEMA + " order by i.indrelid, ic.relname";
    }

    private static Map<Long, Draft> tables(ResultSet rs) throws SQLException {
        Map<Long, Draft> drafts = new LinkedHashMap<>();
        try (rs) {
            while (rs.next()) {
                Draft d = new Draft();
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

    private static void addColumn(Draft d, ResultSet rs) throws SQLException {
        d.columns.add(new ColumnSchema(rs.getString(2), rs.getInt(3), rs.getString(4), rs.getBoolean(5), rs.getString(6),
                rs.getBoolean(7), rs.getBoolean(8), rs.getLong(9), rs.getInt(10)));
    }

    private static void addConstraint(Draft d, ResultSet rs, Map<Long, Draft> drafts) throws SQLException {
        Optional<ConstraintSchema.Kind> kind = ConstraintSchema.Kind.fromCode(rs.getString(3));
        Draft referenced = drafts.get(rs.getLong(7));
        if (kind.isPresent()) {
            d.constraints.add(new ConstraintSchema(rs.getString(2), kind.get(), rs.getBoolean(4), rs.getString(5),
                    d.columnNames(rs.getString(6), Integer.MAX_VALUE), referenced == null ? null : referenced.table,
                    rs.getLong(8)));
        }
    }

    private static void addIndex(Draft d, ResultSet rs) throws SQLException {
        d.indexes.add(new IndexSchema(rs.getString(2), rs.getBoolean(3), rs.getBoolean(4),
                d.columnNames(rs.getString(5), rs.getInt(6)), rs.getString(7), rs.getLong(8), rs.getLong(9)));
    }

    private static Map<String, String> objects(ResultSet rs) throws SQLException {
        Map<String, String> objects = new HashMap<>();
        try (rs) {
            while (rs.next()) {
                objects.put(rs.getString(1), rs.getString(2) == null ? "" : rs.getString(2));
            }
        }
        return objects;
    }

    private static String firstValue(ResultSet rs) throws SQLException {
        try (rs) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The revisions alembic's version table records; none while it does not exist. */
    private List<String> versions(String qualified) throws SQLException {
        List<String> versions = new ArrayList<>();
        if (qualified != null) {
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("select version_num from " + qualified + " order by 1")) {
                while (rs.next()) {
                    versions.add(rs.getString(1));
                }
            }
        }
        return versions;
    }

    /**
     * count(*) for plain tables and materialized views up to {@link RowCount#EXACT_LIMIT_BYTES}, the planner's
     * estimate above; none for partitioned and foreign tables. All tables in three queries; when a lock keeps
     * lockwatch from reading one of them, table by table, and that one unknown rather than waited for.
     */
    private Map<Long, RowCount> rows(Collection<Draft> drafts) {
        List<Draft> countable = drafts.stream()
                .filter(d -> d.kind.equals("table") || d.kind.equals("materialized view")).toList();
        try {
            return count(countable);
        } catch (SQLException e) {
            Map<Long, RowCount> rows = new HashMap<>();
            for (Draft d : countable) {
                try {
                    rows.putAll(count(List.of(d)));
                } catch (SQLException held) {
                    // a session lockwatch does not own still holds this table: its rows stay unknown
                }
            }
            return rows;
        }
    }

    /**
     * The rows of {@code tables}, each query under a 2 s lock timeout: the timeout is set in the round trip that
     * reads the tables' sizes and reset in the one that counts them.
     */
    private Map<Long, RowCount> count(List<Draft> tables) throws SQLException {
        Map<Long, RowCount> rows = new HashMap<>();
        if (tables.isEmpty()) {
            return rows;
        }
        try (Statement s = connection.createStatement()) {
            boolean reset = false;
            try {
                Map<Long, Long> bytes = new HashMap<>();
                s.execute("set lock_timeout = '2s'; select oid, pg_relation_size(oid) from unnest('{"
                        + tables.stream().map(d -> Long.toString(d.oid)).collect(Collectors.joining(","))
                        + "}'::oid[]) as t(oid)");
                s.getMoreResults();
                try (ResultSet rs = s.getResultSet()) {
                    while (rs.next()) {
                        bytes.put(rs.getLong(1), rs.getLong(2));
                    }
                }
                List<String> counts = new ArrayList<>();
                for (Draft d : tables) {
                    long size = bytes.get(d.oid);
                    if (size <= RowCount.EXACT_LIMIT_BYTES) {
                        counts.add("select " + d.oid + "::bigint, count(*) from " + quoted(d.table));
                    } else {
                        estimate(d, size, s).ifPresent(estimate -> rows.put(d.oid, estimate));
                    }
                }
                if (!counts.isEmpty()) {
                    s.execute(String.join(" union all ", counts) + "; reset lock_timeout");
                    reset = true;
                    try (ResultSet rs = s.getResultSet()) {
                        while (rs.next()) {
                            rows.put(rs.getLong(1), new RowCount(rs.getLong(2), true));
                        }
                    }
                }
                return rows;
            } finally {
                if (!reset) {
                    s.execute("reset lock_timeout");
                }
            }
        }
    }

    /** The planner's rows per page, times the table's pages now; empty when it has never been analyzed. */
    private Optional<RowCount> estimate(Draft d, long bytes, Statement s) throws SQLException {
        if (d.relpages <= 0 || d.reltuples < 0) {
            return Optional.empty();
        }
        return Optional.of(new RowCount(Math.round(d.reltuples / d.relpages * (bytes / blockSize(s))), false));
    }

    private long blockSize(Statement s) throws SQLException {
        if (blockSize == 0) {
            blockSize = single(s, "select current_setting('block_size')::bigint");
        }
        return blockSize;
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String quoted(TableRef table) {
        return "\"" + table.schema().replace("\"", "\"\"") + "\".\"" + table.name().replace("\"", "\"\"") + "\"";
    }

    /** Files each row of {@code rs} under the table whose oid is its first column. */
    private static void file(ResultSet rs, Map<Long, Draft> drafts, RowHandler handler) throws SQLException {
        try (rs) {
            while (rs.next()) {
                Draft d = drafts.get(rs.getLong(1));
                if (d != null) {
                    handler.accept(d, rs);
                }
            }
        }
    }

    @FunctionalInterface
    private interface RowHandler {
        void accept(Draft draft, ResultSet rs) throws SQLException;
    }

    /** A table being read: its columns come first, so keys can be turned into column names. */
    private static final class Draft {
        long oid;
        TableRef table;
        String kind;
        boolean unlogged;
        long filenode;
        double reltuples;
        long relpages;
        final List<ColumnSchema> columns = new ArrayList<>();
        final List<ConstraintSchema> constraints = new ArrayList<>();
        final List<IndexSchema> indexes = new ArrayList<>();

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
    }
}
