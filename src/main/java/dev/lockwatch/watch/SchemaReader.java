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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads a {@link SchemaSnapshot} from the catalog on lockwatch's own connection, between revisions (never while
 * a migration runs). Queries are written for PostgreSQL 10 and later; newer catalog columns are read only where
 * they exist.
 *
 * <p>Only the first read reads every table. Later ones read again only the tables that changed and keep the rest
 * of the last snapshot, so a read costs what changed, not what exists:
 * <ul>
 * <li>{@link #readAfter} is told the tables a judged upgrade touched (its statements' locks and effects, by oid),
 * and adds those whose storage a statement no gate sees renewed (REINDEX, CLUSTER in an autocommit block);
 * <li>{@link #read} finds them itself: a catalog row written since the last read carries a newer transaction id
 * ({@code xmin}), and a dropped index or constraint shows in its table's count of them. Nothing but row counts
 * escapes it: a table whose rows an unwatched command changed without touching its definition keeps its count
 * unless named in {@code alsoCount}.
 * </ul>
 * A read is answered from the last one while no write transaction has begun or ended on the server since. The
 * server's transaction snapshot ({@code txid_current_snapshot()}) is the witness: every change to a table or the
 * catalog takes a transaction id, which moves its upper bound, and ending one changes its list of running
 * transactions. Its lower bound, taken before a read, is where "written since" starts.
 *
 * <p>Another table's definition can change when one changes: a foreign key's definition names the table and
 * columns it references, so renaming those reads the referencing tables again too. A change that can alter the
 * definition of tables it neither touches nor renames (an existing sequence, type or schema renamed, an enum's
 * values changed) makes a read a full one.
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
            + " co.confrelid::bigint, co.oid::bigint";
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
    /** A catalog query's rows limited to some tables, by oid: {@code %s} is the column that names the table. */
    private static final String SCOPE = " %s = any(?::oid[])";
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
    private static final String CHANGES = String.join(";\n",
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
    private static final String NEW_STORAGE = "select distinct coalesce(i.indrelid, c.oid)::bigint from pg_class c"
            + " left join pg_index i on i.indexrelid = c.oid where c.oid >= 16384 and c.relkind in ('r', 'p', 'm', 'f', 'i')"
            + " and " + FRESH.formatted("c");
    /** pg_class's rows ({@code c}) in every tablespace (0: the database's default) whose storage is above {@code ?}. */
    private static final String STORAGE_ABOVE = " where c.reltablespace = any(array(select t.oid from pg_tablespace t)"
            + " || 0::oid) and c.relfilenode > ?::bigint::oid";
    /** The highest relfilenode above {@code ?} (the mark a read after an upgrade keeps), else that one. */
    private static final String STORAGE_MARK = "select coalesce(max(c.relfilenode::bigint), ?) from pg_class c"
            + STORAGE_ABOVE;
    /**
     * Tables (by oid) whose own or whose indexes' storage is newer than the mark, then the new mark. A relation's new
     * storage takes the next number of the server's counter, above every one that exists: pg_class's index on
     * (reltablespace, relfilenode) finds it without a scan of pg_class, as capture.sql's rebuilt_oids does. An index's
     * table is looked up by the index's oid: a join hashed the whole of pg_index at every read (7 ms with 10,000).
     */
    private static final String NEW_STORAGE_ABOVE = "select distinct coalesce((select i.indrelid from pg_index i"
            + " where i.indexrelid = c.oid), c.oid)::bigint from pg_class c" + STORAGE_ABOVE
            // the oid as bigint: no index on it, so the planner takes the index on relfilenode, not one on user oids
            + " and c.oid::bigint >= 16384 and c.relkind in ('r', 'p', 'm', 'f', 'i');\n" + STORAGE_MARK;
    /** The server's transaction snapshot: what says whether anything was written since the last read. */
    private static final String SNAPSHOT = "select txid_current_snapshot()::text";
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
    private static final String COUNT = counted("select o as oid, pg_relation_size(o) as size from unnest(?::oid[]) o");
    /**
     * {@link #counted} for the user tables and materialized views among the oids of an oid[] parameter (the version
     * table, named by the second, left out): a catalog read of a scope counts their rows in its own round trip.
     */
    private static final String COUNT_SCOPED = counted("select c.oid, pg_relation_size(c.oid) as size from pg_class c"
            + " join pg_namespace n on n.oid = c.relnamespace where c.oid = any(?::oid[]) and c.relkind in ('r', 'm')"
            + " and c.relname <> ? and" + USER_SCHEMA);
    /** A count waits this long for a table's lock: a session lockwatch does not own may hold it. */
    private static final String COUNT_LOCK_TIMEOUT = "set lock_timeout = '2s'";
    /** What a count whose lock did not come in time fails with. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";
    /** What capture noted of the DDL here, taken: see capture.sql's lockwatch.noted_changes. */
    private static final String TAKE_NOTES = "delete from lockwatch.noted_changes returning relid::bigint, objects,"
            + " everything";
    /** What a query naming a table that is not there fails with. */
    private static final String UNDEFINED_TABLE = "42P01";
    /** {@link #CHANGES} after the server's transaction snapshot: a read that expects changes asks both at once. */
    private static final String SNAPSHOT_AND_CHANGES = SNAPSHOT + ";\n" + CHANGES;
    /** {@link #CHANGES}' parameters: the version table's name second, the rest where "since" begins. */
    private static final int CHANGES_PARAMETERS = (int) CHANGES.chars().filter(c -> c == '?').count();

    private final Connection connection;
    private final String versionTable;
    private final int major;
    private long blockSize;
    private SchemaSnapshot last;
    /** How many reads read every table: the first, and those nothing could tell the changes of. */
    private int fullReads;
    /** Tables of the last snapshot (by oid) whose rows a read of shapes alone left uncounted. */
    private Set<Long> uncounted = Set.of();
    /** The server's transaction snapshot, taken before the last read. */
    private String lastTransactions;
    /** Where the last read found the version table (schema-qualified and quoted), or null when it did not. */
    private String lastVersionTable;
    /** The highest relfilenode the last opening of a read after an upgrade saw (NEW_STORAGE_ABOVE). */
    private OptionalLong storageMark = OptionalLong.empty();
    /** Whether lockwatch's capture notes what DDL changes here ({@link #notedChanges}), as far as known. */
    private boolean noted;

    public SchemaReader(Connection connection, String versionTable, int major) throws SQLException {
        this.connection = connection;
        this.versionTable = versionTable;
        this.major = major;
        if (major >= 12) {
            // the same few catalog queries after every revision, each with the tables as a parameter: the server
            // made a custom plan for most calls (planning cost a third of the time they ran, pg_stat_statements
            // with track_planning), where one generic plan serves them all. Without sequential scans: that plan is
            // made at the first read, whose catalogs are the baseline's, and a chain grows them (as capture.sql's
            // gates: from base 0.96 of the wall time, the round trip 0.97)
            try (Statement s = connection.createStatement()) {
                s.execute("set plan_cache_mode = force_generic_plan; set enable_seqscan = off");
            }
        }
    }

    /**
     * From now on, {@link #readShape} takes what changed from what capture noted in this database (its setting
     * lockwatch.note = on, before any session that changes it connects), rather than scanning the catalogs: a cost
     * that grows with the schema, at every step of the round trip. Without capture (no event triggers), nothing is
     * noted and the catalogs are scanned as before. New storage no DDL event tells of (TRUNCATE, VACUUM FULL, CLUSTER)
     * is not followed: shapes are compared without it.
     */
    public SchemaReader notedChanges() {
        noted = true;
        return this;
    }

    /** The schema with each table's rows: what rules judge. */
    public SchemaSnapshot read() throws SQLException {
        return read(true, Set.of());
    }

    /**
     * The schema with each table's rows; the tables of {@code alsoCount} (by oid) are read and counted again even
     * when their definition did not change: the tables an unwatched command may have written rows to.
     */
    public SchemaSnapshot read(Set<Long> alsoCount) throws SQLException {
        return read(true, alsoCount);
    }

    /**
     * The schema without counting rows: enough to compare shapes (the downgrade round trip). What changed since the
     * last read is what lockwatch's capture noted ({@link #notedChanges}), where it notes; else what the catalogs'
     * newer rows say.
     */
    public SchemaSnapshot readShape() throws SQLException {
        if (noted) {
            Optional<SchemaSnapshot> read = readNotedShape();
            if (read.isPresent()) {
                return read.get();
            }
        }
        return read(false, Set.of());
    }

    /**
     * {@link #readShape} from what capture noted since the last read, taken (and emptied) with the server's
     * transaction snapshot and the versions in one round trip. Empty where nothing is noted (no capture).
     */
    private Optional<SchemaSnapshot> readNotedShape() throws SQLException {
        Notes notes;
        try {
            notes = withVersions(this::notes);
        } catch (SQLException e) {
            if (!UNDEFINED_TABLE.equals(e.getSQLState())) {
                throw e;
            }
            noted = false; // no lockwatch.noted_changes: no capture here
            return Optional.empty();
        }
        if (last == null || notes.everything()) {
            return Optional.of(full(notes.transactions(), false));
        }
        Set<Long> tables = oidsOfTables(notes.oids());
        if (tables.isEmpty() && !notes.objects() && notes.versions().isPresent()) {
            return Optional.of(remember(SchemaSnapshot.of(last.tables(), last.objects(), notes.versions().get().versions()),
                    uncounted, notes.transactions(), lastVersionTable));
        }
        return Optional.of(scoped(notes.transactions(), tables, notes.objects(), false, notes.versions()));
    }

    /** What capture noted since the last read (relations by oid, other objects, everything), as of transactions. */
    private record Notes(String transactions, Set<Long> oids, boolean objects, boolean everything,
                         Optional<Versions> versions) {
    }

    private Notes notes(Optional<String> versionTable) throws SQLException {
        String sql = SNAPSHOT + ";\n" + TAKE_NOTES + versionTable.map(t -> ";\n" + versionsQuery(t)).orElse("");
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
            String transactions = firstValue(s.getResultSet());
            s.getMoreResults();
            Set<Long> oids = new HashSet<>();
            boolean objects = false;
            boolean everything = false;
            try (ResultSet rs = s.getResultSet()) {
                while (rs.next()) {
                    oids.add(rs.getLong(1));
                    objects |= rs.getBoolean(2);
                    everything |= rs.getBoolean(3);
                }
            }
            Optional<Versions> versions = Optional.empty();
            if (versionTable.isPresent()) {
                s.getMoreResults();
                versions = Optional.of(new Versions(versionTable.get(), versions(s.getResultSet())));
            }
            return new Notes(transactions, oids, objects, everything, versions);
        }
    }

    /** Every table read and counted, whatever the last read saw: when nothing tells what changed. */
    public SchemaSnapshot readAll() throws SQLException {
        return full(transactions(), true);
    }

    /**
     * The schema after a judged upgrade that touched (locked, or changed by its statements' effects) the tables
     * and indexes of {@code touched}, by oid, and nothing else: those are read again, with their rows; the rest is
     * the last read's. Other objects (sequences, views, types) are read again when {@code objects}.
     */
    public SchemaSnapshot readAfter(Set<Long> touched, boolean objects) throws SQLException {
        if (last == null) {
            return full(transactions(), true);
        }
        Opening opening = opening();
        Set<Long> tables = oidsOfTables(touched);
        tables.addAll(opening.newStorage());
        return scoped(opening.transactions(), tables, objects, true, opening.versions());
    }

    /**
     * What a read after a judged upgrade starts from, in one round trip: the server's transaction snapshot; the
     * tables whose own or whose indexes' storage is new since the last such read (from a statement no gate pauses:
     * REINDEX, CLUSTER or VACUUM FULL in an autocommit block; found above the last storage mark, the first time by a
     * scan of pg_class's user rows written since the last read);
     * and the versions the version table records, read where the last read found it (the catalog read that follows
     * says whether it is still there).
     */
    private record Opening(String transactions, Set<Long> newStorage, Optional<Versions> versions) {
    }

    private Opening opening() throws SQLException {
        return withVersions(this::opening);
    }

    /** A read that also reads the versions, in the version table it names when one is given. */
    private interface VersionedRead<T> {
        T read(Optional<String> versionTable) throws SQLException;
    }

    /**
     * {@code read} with the versions read where the last read found the version table; without them when that
     * table is gone or renamed (the catalog read that follows finds it).
     */
    private <T> T withVersions(VersionedRead<T> read) throws SQLException {
        try {
            return read.read(Optional.ofNullable(lastVersionTable));
        } catch (SQLException e) {
            if (lastVersionTable == null || !UNDEFINED_TABLE.equals(e.getSQLState())) {
                throw e;
            }
            return read.read(Optional.empty());
        }
    }

    private Opening opening(Optional<String> versionTable) throws SQLException {
        // the first time, rows written since the last read (a scan of pg_class's user rows) and the mark; then the mark
        long mark = storageMark.orElse(0);
        String newStorage = storageMark.isPresent() ? NEW_STORAGE_ABOVE : NEW_STORAGE + ";\n" + STORAGE_MARK;
        String sql = SNAPSHOT + ";\n" + newStorage + versionTable.map(t -> ";\n" + versionsQuery(t)).orElse("");
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            int parameter = 1;
            if (storageMark.isPresent()) {
                s.setLong(parameter++, mark);
            } else {
                s.setString(parameter++, Long.toString(since()));
            }
            s.setLong(parameter++, mark);
            s.setLong(parameter, mark);
            s.execute();
            String transactions = firstValue(s.getResultSet());
            s.getMoreResults();
            Set<Long> tables = new HashSet<>();
            try (ResultSet rs = s.getResultSet()) {
                while (rs.next()) {
                    tables.add(rs.getLong(1));
                }
            }
            s.getMoreResults();
            storageMark = OptionalLong.of(Long.parseLong(firstValue(s.getResultSet())));
            Optional<Versions> versions = Optional.empty();
            if (versionTable.isPresent()) {
                s.getMoreResults();
                versions = Optional.of(new Versions(versionTable.get(), versions(s.getResultSet())));
            }
            return new Opening(transactions, tables, versions);
        }
    }

    /** The oldest transaction that had not ended when the last read began, as a 32-bit xid. */
    private long since() {
        return Long.parseLong(lastTransactions.substring(0, lastTransactions.indexOf(':'))) % (1L << 32);
    }

    private SchemaSnapshot read(boolean countRows, Set<Long> alsoCount) throws SQLException {
        if (last != null && !countRows && alsoCount.isEmpty()) {
            // a read of shapes (the round trip's) nearly always follows a command that changed something: the
            // snapshot and what changed in one round trip, the changes unused when nothing did
            Changes changes = changes(true);
            return changes.transactions().equals(lastTransactions) ? last
                    : scoped(changes.transactions(), changes.tables(), changes.objects(), false);
        }
        String transactions = transactions();
        if (last == null) {
            return full(transactions, countRows);
        }
        boolean unchanged = transactions.equals(lastTransactions);
        if (unchanged && alsoCount.isEmpty() && (!countRows || uncounted.isEmpty())) {
            return last;
        }
        Changes changes = unchanged ? new Changes(Set.of(), false, transactions) : changes(false);
        Set<Long> tables = new HashSet<>(changes.tables());
        tables.addAll(alsoCount);
        return scoped(transactions, tables, changes.objects(), countRows);
    }

    /** The tables and indexes of {@code oids} as the tables they are or belong to, by the last read. */
    private Set<Long> oidsOfTables(Set<Long> oids) {
        Set<Long> tables = new HashSet<>(oids);
        Map<Long, Long> owners = new HashMap<>();
        for (TableSchema table : last.tables().values()) {
            table.indexes().forEach(i -> owners.put(i.oid(), table.oid()));
            table.constraints().forEach(c -> owners.put(c.oid(), table.oid()));
        }
        for (Long oid : oids) {
            Long owner = owners.get(oid);
            if (owner != null) {
                tables.add(owner);
            }
        }
        return tables;
    }

    /**
     * What changed since the last read: {@link #CHANGES}, compared with the last snapshot; {@code withSnapshot},
     * after the server's transaction snapshot, in the same round trip.
     */
    private Changes changes(boolean withSnapshot) throws SQLException {
        long since = since();
        Set<Long> changed = new HashSet<>();
        boolean objects;
        Map<Long, TableSchema> known = byOid(last);
        Set<Long> present = new HashSet<>();
        String transactions = null;
        try (PreparedStatement s = connection.prepareStatement(withSnapshot ? SNAPSHOT_AND_CHANGES : CHANGES)) {
            for (int i = 1; i <= CHANGES_PARAMETERS; i++) {
                s.setString(i, i == 2 ? versionTable : Long.toString(since));
            }
            s.execute();
            if (withSnapshot) {
                transactions = firstValue(s.getResultSet());
                s.getMoreResults();
            }
            try (ResultSet rs = s.getResultSet()) {
                while (rs.next()) {
                    long oid = rs.getLong(1);
                    present.add(oid);
                    TableSchema was = known.get(oid);
                    if (was == null || rs.getBoolean(4)
                            || !was.table().equals(new TableRef(rs.getString(2), rs.getString(3)))) {
                        changed.add(oid);
                    }
                }
            }
            known.keySet().stream().filter(oid -> !present.contains(oid)).forEach(changed::add); // dropped
            s.getMoreResults();
            try (ResultSet rs = s.getResultSet()) {
                while (rs.next()) {
                    changed.add(rs.getLong(1));
                }
            }
            s.getMoreResults();
            Map<Long, Long> constraints = counts(s.getResultSet());
            s.getMoreResults();
            Map<Long, Long> indexes = counts(s.getResultSet());
            for (TableSchema table : known.values()) {
                if (constraints.getOrDefault(table.oid(), 0L) != table.constraints().size()
                        || indexes.getOrDefault(table.oid(), 0L) != table.indexes().size()) {
                    changed.add(table.oid());
                }
            }
            s.getMoreResults();
            try (ResultSet rs = s.getResultSet()) {
                rs.next();
                objects = rs.getLong(1) != last.objects().size() || rs.getBoolean(2);
            }
        }
        present.addAll(known.keySet());
        changed.retainAll(present); // the rest are indexes, sequences and views: their tables are named already
        return new Changes(changed, objects, transactions);
    }

    private static Map<Long, Long> counts(ResultSet rs) throws SQLException {
        Map<Long, Long> counts = new HashMap<>();
        try (rs) {
            while (rs.next()) {
                counts.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return counts;
    }

    /**
     * Tables (by oid) whose definition may have changed since the last read; other objects too, when {@code objects};
     * the server's transaction snapshot taken just before, when read with them (else null).
     */
    private record Changes(Set<Long> tables, boolean objects, String transactions) {
    }

    /** How many reads so far read every table. */
    int fullReads() {
        return fullReads;
    }

    private SchemaSnapshot full(String transactions, boolean countRows) throws SQLException {
        fullReads++;
        Catalog read = catalog(null, true);
        Map<Long, RowCount> rows = countRows ? rows(read.drafts().values()) : Map.of();
        Map<TableRef, TableSchema> tables = new HashMap<>();
        for (Draft d : read.drafts().values()) {
            tables.put(d.table, d.schema(rows.get(d.oid)));
        }
        return remember(SchemaSnapshot.of(tables, read.objects(), versions(read.versionTable())),
                countRows ? Set.of() : read.drafts().keySet(), transactions, read.versionTable());
    }

    /**
     * The last snapshot with the tables of {@code oids} read again (gone when dropped, added when new), and the
     * tables whose foreign keys name one of them that was renamed or had a column renamed. With {@code countRows},
     * those read are counted, and so are tables an earlier read of shapes left uncounted.
     */
    private SchemaSnapshot scoped(String transactions, Set<Long> changed, boolean objects, boolean countRows)
            throws SQLException {
        return scoped(transactions, changed, objects, countRows, Optional.empty());
    }

    /** @param read the versions as read before the catalog, where the version table was: used when it still is */
    private SchemaSnapshot scoped(String transactions, Set<Long> changed, boolean objects, boolean countRows,
                                  Optional<Versions> read) throws SQLException {
        Set<Long> oids = new HashSet<>(changed);
        if (countRows) {
            oids.addAll(uncounted);
        }
        Map<Long, TableSchema> known = byOid(last);
        Catalog catalog = catalog(oids, objects, countRows);
        Map<Long, Draft> drafts = new HashMap<>(catalog.drafts());
        Set<TableRef> renamed = new HashSet<>();
        for (Draft d : drafts.values()) {
            TableSchema was = known.get(d.oid);
            if (was != null && (!was.table().equals(d.table) || columnRenamed(was, d.columns))) {
                renamed.add(was.table());
            }
        }
        Map<String, String> objectsNow = catalog.objects();
        if (!renamed.isEmpty()) {
            Set<Long> referencing = new HashSet<>();
            for (TableSchema table : known.values()) {
                if (!oids.contains(table.oid()) && table.constraints().stream()
                        .anyMatch(c -> c.references() != null && renamed.contains(c.references()))) {
                    referencing.add(table.oid());
                }
            }
            Catalog again = catalog(referencing, !objects); // views name tables and columns too
            drafts.putAll(again.drafts());
            objectsNow = objects ? objectsNow : again.objects();
            objects = true;
        }
        if (objects && redefinesOthers(last.objects(), objectsNow)) {
            return full(transactions, countRows);
        }
        resolveReferences(drafts, known);
        Map<Long, RowCount> rows = countRows ? rows(drafts.values(), catalog.counted()) : Map.of();
        Map<TableRef, TableSchema> tables = new HashMap<>();
        for (TableSchema table : known.values()) {
            if (!oids.contains(table.oid()) && !drafts.containsKey(table.oid())) {
                tables.put(table.table(), table);
            }
        }
        for (Draft d : drafts.values()) {
            tables.put(d.table, d.schema(rows.get(d.oid)));
        }
        Set<Long> stillUncounted = new HashSet<>();
        if (!countRows) {
            stillUncounted.addAll(uncounted);
            stillUncounted.addAll(drafts.keySet());
            stillUncounted.retainAll(tables.values().stream().map(TableSchema::oid).toList());
        }
        List<String> versions = read.isPresent() && read.get().table().equals(catalog.versionTable())
                ? read.get().versions() : versions(catalog.versionTable());
        return remember(SchemaSnapshot.of(tables, objects ? objectsNow : last.objects(), versions), stillUncounted,
                transactions, catalog.versionTable());
    }

    /**
     * Whether other objects changed in a way that can change the definition of tables no read looks at: an
     * existing one gone while another came (a rename: a sequence a default names, a type columns have), or an
     * existing enum type's or domain's definition changed. Objects only added or only dropped change no table
     * that is not read again anyway.
     */
    private static boolean redefinesOthers(Map<String, String> before, Map<String, String> now) {
        boolean gone = before.keySet().stream().anyMatch(k -> !now.containsKey(k));
        boolean came = now.keySet().stream().anyMatch(k -> !before.containsKey(k));
        boolean redefined = before.entrySet().stream().anyMatch(e -> !e.getKey().startsWith("view ")
                && now.containsKey(e.getKey()) && !now.get(e.getKey()).equals(e.getValue()));
        return (gone && came) || redefined;
    }

    /** Whether a column kept its position under another name. */
    private static boolean columnRenamed(TableSchema was, List<ColumnSchema> now) {
        return now.stream().anyMatch(c -> was.columnAt(c.position()).filter(old -> !old.name().equals(c.name())).isPresent());
    }

    private static Map<Long, TableSchema> byOid(SchemaSnapshot snapshot) {
        Map<Long, TableSchema> tables = new HashMap<>();
        snapshot.tables().values().forEach(t -> tables.put(t.oid(), t));
        return tables;
    }

    /** A foreign key's referenced table by its name now: read in the same pass, else as the last read has it. */
    private static void resolveReferences(Map<Long, Draft> drafts, Map<Long, TableSchema> known) {
        for (Draft d : drafts.values()) {
            d.constraints.clear();
            for (Pending p : d.pending) {
                Draft referenced = drafts.get(p.referencedOid());
                TableRef name = referenced != null ? referenced.table
                        : Optional.ofNullable(known.get(p.referencedOid())).map(TableSchema::table).orElse(null);
                ConstraintSchema c = p.constraint();
                d.constraints.add(new ConstraintSchema(c.name(), c.kind(), c.validated(), c.definition(), c.columns(),
                        name, c.oid()));
            }
        }
    }

    private SchemaSnapshot remember(SchemaSnapshot snapshot, Set<Long> notCounted, String transactions,
                                    String versionTable) {
        last = snapshot;
        lastVersionTable = versionTable;
        uncounted = Set.copyOf(notCounted);
        lastTransactions = transactions; // taken before reading: a change during the read makes the next one read again
        return snapshot;
    }

    /**
     * One catalog read's answers: tables (all, or those of a scope) with their parts, other objects, version table,
     * and the rows of the scope's tables when it counted them.
     */
    private record Catalog(Map<Long, Draft> drafts, Map<String, String> objects, String versionTable,
                           Optional<Counted> counted) {
    }

    /**
     * The catalog queries one after another, in one round trip: the tables of {@code oids} (every table when null),
     * other objects when {@code objects}, then where the version table is.
     */
    private Catalog catalog(Set<Long> oids, boolean objects) throws SQLException {
        return catalog(oids, objects, false);
    }

    /**
     * {@link #catalog(Set, boolean)}; with {@code count}, the rows of the scope's tables counted in the same round trip
     * (a read after each revision makes one round trip, not two). When a lock keeps the count waiting (a session
     * lockwatch does not own holds a table), the catalog is read again without it, and the tables are counted one by
     * one ({@link #rows(Collection, Optional)}).
     */
    private Catalog catalog(Set<Long> oids, boolean objects, boolean count) throws SQLException {
        if (!count || oids == null) {
            return catalog(oids, objects, Optional.empty());
        }
        try {
            return catalog(oids, objects, Optional.of(connection.createArrayOf("int8", oids.toArray(Long[]::new))));
        } catch (SQLException e) {
            if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw e;
            }
            Catalog read = catalog(oids, objects, Optional.empty());
            return new Catalog(read.drafts(), read.objects(), read.versionTable(), Optional.of(Counted.BLOCKED));
        }
    }

    /** @param counting the scope's oids, as a parameter of the count that follows the catalog queries, when counted */
    private Catalog catalog(Set<Long> oids, boolean objects, Optional<java.sql.Array> counting) throws SQLException {
        boolean scoped = oids != null;
        List<String> queries = new ArrayList<>(List.of(TABLES + (scoped ? " and" + SCOPE.formatted("c.oid") : ""),
                columnsQuery(major, scoped), constraintsQuery(scoped), indexesQuery(major, scoped)));
        if (objects) {
            queries.add(OBJECTS);
        }
        queries.add(VERSION_TABLE);
        if (counting.isPresent()) {
            queries.addAll(List.of(COUNT_LOCK_TIMEOUT, COUNT_SCOPED, "reset lock_timeout"));
        }
        Map<Long, Draft> drafts;
        Map<String, String> objectsRead = Map.of();
        // one statement after another, each answering in turn: tables first, as the rest is filed under them; the
        // same few texts every time, with the tables as a parameter, so the server plans each once
        try (PreparedStatement s = connection.prepareStatement(String.join(";\n", queries))) {
            int parameter = 1;
            s.setString(parameter++, versionTable);
            if (oids != null) {
                java.sql.Array array = connection.createArrayOf("int8", oids.toArray(Long[]::new));
                for (int i = 0; i < 4; i++) {
                    s.setArray(parameter++, array);
                }
            }
            s.setString(parameter++, versionTable);
            if (counting.isPresent()) {
                s.setArray(parameter++, counting.get());
                s.setString(parameter, versionTable);
                resettingLockTimeout(s::execute);
            } else {
                s.execute();
            }
            drafts = tables(s.getResultSet());
            s.getMoreResults();
            file(s.getResultSet(), drafts, SchemaReader::addColumn);
            s.getMoreResults();
            file(s.getResultSet(), drafts, SchemaReader::addConstraint);
            s.getMoreResults();
            file(s.getResultSet(), drafts, SchemaReader::addIndex);
            if (objects) {
                s.getMoreResults();
                objectsRead = objects(s.getResultSet());
            }
            s.getMoreResults();
            String qualified = firstValue(s.getResultSet());
            Optional<Counted> counted = Optional.empty();
            if (counting.isPresent()) {
                s.getMoreResults(); // the lock timeout set
                s.getMoreResults();
                counted = Optional.of(Counted.of(s.getResultSet()));
            }
            if (oids == null) {
                resolveReferences(drafts, Map.of());
            }
            return new Catalog(drafts, objectsRead, qualified, counted);
        }
    }

    private String transactions() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(SNAPSHOT)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** @param scoped limited to the tables of an oid[] parameter, which are user tables: no join says so */
    private static String columnsQuery(int major, boolean scoped) {
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

    private static String constraintsQuery(boolean scoped) {
        return CONSTRAINTS + (scoped ? " from" + SCOPED_ROWS.formatted("pg_constraint", "conrelid",
                "oid, conrelid, conname, contype, convalidated, conkey, confrelid") + " co"
                : " from pg_constraint co join pg_class c on c.oid = co.conrelid"
                        + " join pg_namespace n on n.oid = c.relnamespace where" + USER_SCHEMA)
                + " order by co.conrelid, co.conname";
    }

    private static String indexesQuery(int major, boolean scoped) {
        String keyColumns = major >= 11 ? "i.indnkeyatts" : "i.indnatts";
        return "select i.indrelid::bigint, ic.relname, i.indisvalid, i.indisunique, array_to_string(i.indkey::int2[], ' '), "
                + keyColumns + ", pg_get_indexdef(i.indexrelid), ic.oid::bigint, ic.relfilenode::bigint"
                + " from" + (scoped ? SCOPED_ROWS.formatted("pg_index", "indrelid", "*") : " pg_index") + " i"
                + " join pg_class ic on ic.oid = i.indexrelid"
                + (scoped ? "" : " join pg_class c on c.oid = i.indrelid"
                        + " join pg_namespace n on n.oid = c.relnamespace where" + USER_SCHEMA)
                + " order by i.indrelid, ic.relname";
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

    /** A constraint, its referenced table (by oid) named once every table of the read is known. */
    private static void addConstraint(Draft d, ResultSet rs) throws SQLException {
        Optional<ConstraintSchema.Kind> kind = ConstraintSchema.Kind.fromCode(rs.getString(3));
        if (kind.isPresent()) {
            d.pending.add(new Pending(new ConstraintSchema(rs.getString(2), kind.get(), rs.getBoolean(4), rs.getString(5),
                    d.columnNames(rs.getString(6), Integer.MAX_VALUE), null, rs.getLong(8)), rs.getLong(7)));
        }
    }

    /** A constraint as read, with the oid of the table a foreign key references (0 for other kinds). */
    private record Pending(ConstraintSchema constraint, long referencedOid) {
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
        if (qualified == null) {
            return new ArrayList<>();
        }
        try (Statement s = connection.createStatement()) {
            return versions(s.executeQuery(versionsQuery(qualified)));
        }
    }

    private static String versionsQuery(String qualified) {
        return "select version_num from " + qualified + " order by 1";
    }

    private static List<String> versions(ResultSet rs) throws SQLException {
        List<String> versions = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
        }
        return versions;
    }

    /** The revisions a version table (schema-qualified and quoted) records. */
    private record Versions(String table, List<String> versions) {
    }

    /**
     * count(*) for plain tables and materialized views up to {@link RowCount#EXACT_LIMIT_BYTES}, the planner's
     * estimate above; none for partitioned and foreign tables. All tables in one round trip; when a lock keeps
     * lockwatch from reading one of them, table by table, and that one unknown rather than waited for.
     */
    private Map<Long, RowCount> rows(Collection<Draft> drafts) {
        List<Draft> countable = countable(drafts);
        try {
            return count(countable);
        } catch (SQLException e) {
            return tableByTable(countable);
        }
    }

    private Map<Long, RowCount> tableByTable(List<Draft> countable) {
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

    /** {@link #rows(Collection)}, taken from what the catalog read counted where it did. */
    private Map<Long, RowCount> rows(Collection<Draft> drafts, Optional<Counted> counted) throws SQLException {
        if (counted.isEmpty()) {
            return rows(drafts);
        }
        List<Draft> countable = countable(drafts);
        if (counted.get().blocked()) {
            return tableByTable(countable);
        }
        Map<Long, RowCount> rows = rows(counted.get(), countable);
        rows.putAll(rows(countable.stream().filter(d -> !counted.get().covers(d)).toList()));
        return rows;
    }

    private static List<Draft> countable(Collection<Draft> drafts) {
        return drafts.stream().filter(d -> d.kind.equals("table") || d.kind.equals("materialized view")).toList();
    }

    /**
     * The rows of {@code tables}, under a 2 s lock timeout, in one round trip ({@link #COUNT}): counted when small
     * enough, else estimated from the table's size.
     */
    private Map<Long, RowCount> count(List<Draft> tables) throws SQLException {
        if (tables.isEmpty()) {
            return new HashMap<>();
        }
        try (PreparedStatement s = connection.prepareStatement(COUNT_LOCK_TIMEOUT + ";\n" + COUNT + ";\nreset lock_timeout")) {
            s.setArray(1, connection.createArrayOf("int8", tables.stream().map(d -> d.oid).toArray(Long[]::new)));
            resettingLockTimeout(s::execute);
            s.getMoreResults();
            return rows(Counted.of(s.getResultSet()), tables);
        }
    }

    private interface Read {
        void run() throws SQLException;
    }

    /** Runs {@code read}, which sets a lock timeout and resets it: when it fails, the timeout is reset all the same. */
    private void resettingLockTimeout(Read read) throws SQLException {
        try {
            read.run();
        } catch (SQLException e) {
            try (Statement s = connection.createStatement()) {
                s.execute("reset lock_timeout");
            }
            throw e;
        }
    }

    /**
     * What a count read: the tables it counted, and the size of each table too large to count; or that a lock kept it
     * from counting them all ({@code blocked}).
     */
    private record Counted(Map<Long, RowCount> exact, Map<Long, Long> bytes, boolean blocked) {
        static final Counted BLOCKED = new Counted(Map.of(), Map.of(), true);

        static Counted of(ResultSet rs) throws SQLException {
            Map<Long, RowCount> exact = new HashMap<>();
            Map<Long, Long> bytes = new HashMap<>();
            try (rs) {
                while (rs.next()) {
                    long count = rs.getLong(3);
                    if (rs.wasNull()) {
                        bytes.put(rs.getLong(1), rs.getLong(2));
                    } else {
                        exact.put(rs.getLong(1), new RowCount(count, true));
                    }
                }
            }
            return new Counted(exact, bytes, false);
        }

        boolean covers(Draft d) {
            return exact.containsKey(d.oid) || bytes.containsKey(d.oid);
        }
    }

    /** The rows of {@code tables} that {@code counted} covers: counted, or estimated from their size. */
    private Map<Long, RowCount> rows(Counted counted, Collection<Draft> tables) throws SQLException {
        Map<Long, RowCount> rows = new HashMap<>();
        List<Draft> estimated = new ArrayList<>();
        for (Draft d : tables) {
            RowCount exact = counted.exact().get(d.oid);
            if (exact != null) {
                rows.put(d.oid, exact);
            } else if (counted.bytes().containsKey(d.oid)) {
                estimated.add(d);
            }
        }
        if (!estimated.isEmpty()) {
            try (Statement s = connection.createStatement()) { // one for all: it reads the block size once at most
                for (Draft d : estimated) {
                    estimate(d, counted.bytes().get(d.oid), s).ifPresent(estimate -> rows.put(d.oid, estimate));
                }
            }
        }
        return rows;
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
    }
}
