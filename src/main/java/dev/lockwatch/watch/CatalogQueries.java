package dev.lockwatch.watch;

import dev.lockwatch.model.RowCount;

/**
 * The text of the catalog queries {@link SchemaReader} and {@link RowCounter} run: each written once, with its
 * parameters as {@code ?} and the part of the catalog it reads. Queries are written for PostgreSQL 10 and later;
 * newer catalog columns are read only where they exist.
 */
final class CatalogQueries {
    private CatalogQueries() {
    }

    private static final String USER_SCHEMA = " n.nspname not in ('pg_catalog', 'information_schema', 'lockwatch')"
            + " and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'";
    private static final String TABLE_KINDS = " c.relkind in ('r', 'p', 'm', 'f')";
    static final String TABLES = "select c.oid::bigint, n.nspname, c.relname, c.relkind::text,"
            + " c.relpersistence = 'u', c.relfilenode::bigint, c.reltuples::float8, c.relpages::bigint"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            + " where" + TABLE_KINDS + " and c.relname <> ? and" + USER_SCHEMA;
    private static final String CONSTRAINTS = "select co.conrelid::bigint, co.conname, co.contype::text,"
            + " co.convalidated, pg_get_constraintdef(co.oid), coalesce(array_to_string(co.conkey, ' '), ''),"
            + " co.confrelid::bigint, co.oid::bigint";
    /** Sequences, views and user types: what else a revision creates and its downgrade must remove. */
    static final String OBJECTS = "select case c.relkind when 'S' then 'sequence' else 'view' end || ' ' || n.nspname"
            + " || '.' || c.relname, case c.relkind when 'v' then pg_get_viewdef(c.oid) else '' end"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('S', 'v') and" + USER_SCHEMA
            + " union all select case t.typtype when 'e' then 'enum type ' else 'domain ' end || n.nspname || '.' || t.typname,"
            + " case t.typtype when 'e' then (select string_agg(e.enumlabel, ', ' order by e.enumsortorder)"
            + " from pg_enum e where e.enumtypid = t.oid) else format_type(t.typbasetype, t.typtypmod) end"
            + " from pg_type t join pg_namespace n on n.oid = t.typnamespace where t.typtype in ('e', 'd') and" + USER_SCHEMA;
    /** Where alembic's version table is (in whichever schema env.py put it). */
    static final String VERSION_TABLE = "select format('%I.%I', n.nspname, c.relname)"
            + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = ? and c.relkind = 'r'"
            + " and" + USER_SCHEMA + " order by n.nspname = 'public' desc limit 1";
    /** A catalog query's rows limited to some tables, by oid: {@code %s} is the column that names the table. */
    static final String SCOPE = " %s = any(?::oid[])";
    /**
     * Columns {@code %3$s} of the rows of catalog {@code %1$s} whose column {@code %2$s} names one of some tables (an
     * oid[] parameter), looked up table by table in the catalog's index on that column. For {@link #SCOPE} on
     * pg_index or pg_constraint the generic plan guesses a share of the catalog and scans all of it: a read after each
     * revision then cost as much as the schema is large. (Before PostgreSQL 12 a catalog's oid is a system column,
     * which * leaves out: it is named where it is needed.)
     */
    private static final String SCOPED_ROWS = " unnest(?::oid[]) scope(oid) cross join lateral"
            + " (select %3$s from %1$s where %2$s = scope.oid offset 0)";
    /**
     * Written by a transaction that had not ended when the last read began, or by a later one: {@code ?} is the
     * oldest that had not.
     */
    private static final String FRESH = "age(%s.xmin) <= age(?::text::xid)";
    /**
     * What changed since the last read, in one round trip: every table with its name and whether its pg_class row
     * is new; the tables with a newer column, constraint, index or default row; each table's constraints and
     * indexes (a dropped one leaves no row behind); how many other objects there are and whether one is new.
     */
    static final String CHANGES = String.join(";\n",
            "select c.oid::bigint, n.nspname, c.relname, " + FRESH.formatted("c")
                    + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    + " where" + TABLE_KINDS + " and c.relname <> ? and" + USER_SCHEMA,
            "select a.attrelid::bigint from pg_attribute a where a.attrelid >= 16384 and a.attnum > 0 and "
                    + FRESH.formatted("a")
                    + " union all select co.conrelid::bigint from pg_constraint co where co.conrelid >= 16384 and "
                    + FRESH.formatted("co")
                    + " union all select i.indrelid::bigint from pg_index i join pg_class ic on ic.oid = i.indexrelid"
                    + " where i.indrelid >= 16384 and (" + FRESH.formatted("i") + " or " + FRESH.formatted("ic") + ")"
                    + " union all select d.adrelid::bigint from pg_attrdef d where d.adrelid >= 16384 and "
                    + FRESH.formatted("d"),
            "select co.conrelid::bigint, count(*) from pg_constraint co where co.conrelid >= 16384"
                    + " and co.contype in ('c', 'f', 'p', 'u', 'x') group by 1",
            "select i.indrelid::bigint, count(*) from pg_index i where i.indrelid >= 16384 group by 1",
            "select count(*) filter (where o.counted), coalesce(bool_or(o.fresh), false) from ("
                    + "select true as counted, " + FRESH.formatted("c") + " as fresh from pg_class c"
                    + " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('S', 'v') and" + USER_SCHEMA
                    + " union all select true, " + FRESH.formatted("t") + " from pg_type t"
                    + " join pg_namespace n on n.oid = t.typnamespace where t.typtype in ('e', 'd') and" + USER_SCHEMA
                    + " union all select false, " + FRESH.formatted("e") + " from pg_enum e"
                    + " union all select false, " + FRESH.formatted("r") + " from pg_rewrite r where r.ev_class >= 16384"
                    + ") o");
    /** Tables (by oid) whose pg_class row or one of whose indexes' was written since the last read. */
    static final String NEW_STORAGE = "select distinct coalesce(i.indrelid, c.oid)::bigint from pg_class c"
            + " left join pg_index i on i.indexrelid = c.oid where c.oid >= 16384 and c.relkind in ('r', 'p', 'm', 'f', 'i')"
            + " and " + FRESH.formatted("c");
    /** pg_class's rows ({@code c}) in every tablespace (0: the database's default) whose storage is above {@code ?}. */
    private static final String STORAGE_ABOVE = " where c.reltablespace = any(array(select t.oid from pg_tablespace t)"
            + " || 0::oid) and c.relfilenode > ?::bigint::oid";
    /** The highest relfilenode above {@code ?} (the mark a read after an upgrade keeps), else that one. */
    static final String STORAGE_MARK = "select coalesce(max(c.relfilenode::bigint), ?) from pg_class c"
            + STORAGE_ABOVE;
    /**
     * Tables (by oid) whose own or whose indexes' storage is newer than the mark, then the new mark. A relation's new
     * storage takes the next number of the server's counter, above every one that exists: pg_class's index on
     * (reltablespace, relfilenode) finds it without a scan of pg_class, as capture.sql's rebuilt_oids does. An index's
     * table is looked up by the index's oid: a join hashed the whole of pg_index at every read (7 ms with 10,000).
     */
    static final String NEW_STORAGE_ABOVE = "select distinct coalesce((select i.indrelid from pg_index i"
            + " where i.indexrelid = c.oid), c.oid)::bigint from pg_class c" + STORAGE_ABOVE
            // the oid as bigint: no index on it, so the planner takes the index on relfilenode, not one on user oids
            + " and c.oid::bigint >= 16384 and c.relkind in ('r', 'p', 'm', 'f', 'i');\n" + STORAGE_MARK;
    /** The server's transaction snapshot: what says whether anything was written since the last read. */
    static final String SNAPSHOT = "select txid_current_snapshot()::text";
    /**
     * The size of each relation of {@code source} (its columns: oid, size), and its count(*) when it is small enough:
     * none for an empty one (no page, no row), so that a chain's new tables, empty mostly, cost no count. query_to_xml
     * runs each count as a query of its own, planned only when it runs, where a union of one count(*) subquery per
     * table was planned for every table (17 ms for the 107 tables a deploy created); the XML is read as text, which
     * needs no libxml. The count reads every block ({@code tablesample system (100)}: exact): a sample scan, which the
     * reader's session, planned without sequential scans, does not turn into a scan of an index and the heap.
     */
    private static String counted(String source) {
        return "select t.oid::bigint, t.size, case when t.size = 0 then 0 when t.size <= " + RowCount.EXACT_LIMIT_BYTES
                + " then substring(query_to_xml(format('select count(*) as n from %s tablesample system (100)',"
                + " t.oid::regclass), false, true, '')::text from '<n>(\\d+)</n>')::bigint end from (" + source + ") t";
    }

    /** {@link #counted} for the tables of an oid[] parameter. */
    static final String COUNT = counted("select o as oid, pg_relation_size(o) as size from unnest(?::oid[]) o");
    /**
     * {@link #counted} for the user tables and materialized views among the oids of an oid[] parameter (the version
     * table, named by the second, left out): a catalog read of a scope counts their rows in its own round trip.
     */
    static final String COUNT_SCOPED = counted("select c.oid, pg_relation_size(c.oid) as size from pg_class c"
            + " join pg_namespace n on n.oid = c.relnamespace where c.oid = any(?::oid[]) and c.relkind in ('r', 'm')"
            + " and c.relname <> ? and" + USER_SCHEMA);
    /** A count waits this long for a table's lock: a session lockwatch does not own may hold it. */
    static final String COUNT_LOCK_TIMEOUT = "set lock_timeout = '2s'";
    /** What capture noted of the DDL here, taken: see capture.sql's lockwatch.noted_changes. */
    static final String TAKE_NOTES = "delete from lockwatch.noted_changes returning relid::bigint, objects,"
            + " everything";
    /** {@link #CHANGES} after the server's transaction snapshot: a read that expects changes asks both at once. */
    static final String SNAPSHOT_AND_CHANGES = SNAPSHOT + ";\n" + CHANGES;
    /** {@link #CHANGES}' parameters: the version table's name second, the rest where "since" begins. */
    static final int CHANGES_PARAMETERS = (int) CHANGES.chars().filter(c -> c == '?').count();

    /** @param scoped limited to the tables of an oid[] parameter, which are user tables: no join says so */
    static String columnsQuery(int major, boolean scoped) {
        String generated = major >= 12 ? "a.attgenerated::text <> ''" : "false";
        // a default looked up column by column when scoped (a join would hash the whole of pg_attrdef)
        String defaultExpression = "pg_get_expr(d.adbin, d.adrelid)";
        return "select a.attrelid::bigint, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                + (scoped ? "(select " + defaultExpression
                        + " from pg_attrdef d where d.adrelid = a.attrelid and d.adnum = a.attnum)" : defaultExpression)
                + ", a.attidentity::text <> '', " + generated + ", a.atttypid::bigint, a.atttypmod from pg_attribute a"
                + (scoped ? "" : " join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace"
                        + " left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum")
                + " where a.attnum > 0 and not a.attisdropped and"
                + (scoped ? SCOPE.formatted("a.attrelid") : TABLE_KINDS + " and" + USER_SCHEMA)
                + " order by a.attrelid, a.attnum";
    }

    static String constraintsQuery(boolean scoped) {
        return CONSTRAINTS + (scoped ? " from" + SCOPED_ROWS.formatted("pg_constraint", "conrelid",
                "oid, conrelid, conname, contype, convalidated, conkey, confrelid") + " co"
                : " from pg_constraint co join pg_class c on c.oid = co.conrelid"
                        + " join pg_namespace n on n.oid = c.relnamespace where" + USER_SCHEMA)
                + " order by co.conrelid, co.conname";
    }

    static String indexesQuery(int major, boolean scoped) {
        String keyColumns = major >= 11 ? "i.indnkeyatts" : "i.indnatts";
        return "select i.indrelid::bigint, ic.relname, i.indisvalid, i.indisunique, array_to_string(i.indkey::int2[], ' '), "
                + keyColumns + ", pg_get_indexdef(i.indexrelid), ic.oid::bigint, ic.relfilenode::bigint"
                + " from" + (scoped ? SCOPED_ROWS.formatted("pg_index", "indrelid", "*") : " pg_index") + " i"
                + " join pg_class ic on ic.oid = i.indexrelid"
                + (scoped ? "" : " join pg_class c on c.oid = i.indrelid"
                        + " join pg_namespace n on n.oid = c.relnamespace where" + USER_SCHEMA)
                + " order by i.indrelid, ic.relname";
    }

    static String versionsQuery(String qualified) {
        return "select version_num from " + qualified + " order by 1";
    }
}
