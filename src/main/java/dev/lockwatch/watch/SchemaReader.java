package dev.lockwatch.watch;

import static dev.lockwatch.watch.CatalogQueries.CHANGES;
import static dev.lockwatch.watch.CatalogQueries.CHANGES_PARAMETERS;
import static dev.lockwatch.watch.CatalogQueries.COUNT_LOCK_TIMEOUT;
import static dev.lockwatch.watch.CatalogQueries.COUNT_SCOPED;
import static dev.lockwatch.watch.CatalogQueries.NEW_STORAGE;
import static dev.lockwatch.watch.CatalogQueries.NEW_STORAGE_ABOVE;
import static dev.lockwatch.watch.CatalogQueries.OBJECTS;
import static dev.lockwatch.watch.CatalogQueries.SCOPE;
import static dev.lockwatch.watch.CatalogQueries.SNAPSHOT;
import static dev.lockwatch.watch.CatalogQueries.SNAPSHOT_AND_CHANGES;
import static dev.lockwatch.watch.CatalogQueries.STORAGE_MARK;
import static dev.lockwatch.watch.CatalogQueries.TABLES;
import static dev.lockwatch.watch.CatalogQueries.TAKE_NOTES;
import static dev.lockwatch.watch.CatalogQueries.VERSION_TABLE;
import static dev.lockwatch.watch.CatalogQueries.columnsQuery;
import static dev.lockwatch.watch.CatalogQueries.constraintsQuery;
import static dev.lockwatch.watch.CatalogQueries.indexesQuery;
import static dev.lockwatch.watch.CatalogQueries.versionsQuery;

import dev.lockwatch.model.ColumnSchema;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads a {@link SchemaSnapshot} from the catalog on lockwatch's own connection, between revisions (never while
 * a migration runs), with the queries of {@link CatalogQueries}; rows are counted by a {@link RowCounter}.
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
    /** What a query naming a table that is not there fails with. */
    private static final String UNDEFINED_TABLE = "42P01";
    private final Connection connection;
    private final RowCounter counter;
    private final String versionTable;
    private final int major;
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
        this.counter = new RowCounter(connection);
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
     * What changed since the last read: {@link CatalogQueries#CHANGES}, compared with the last snapshot;
     * {@code withSnapshot}, after the server's transaction snapshot, in the same round trip.
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
        Map<Long, RowCount> rows = countRows ? counter.rows(read.drafts().values()) : Map.of();
        Map<TableRef, TableSchema> tables = new HashMap<>();
        for (TableDraft d : read.drafts().values()) {
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
        Map<Long, TableDraft> drafts = new HashMap<>(catalog.drafts());
        Set<TableRef> renamed = new HashSet<>();
        for (TableDraft d : drafts.values()) {
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
        TableDraft.resolveReferences(drafts, known);
        Map<Long, RowCount> rows = countRows ? counter.rows(drafts.values(), catalog.counted()) : Map.of();
        Map<TableRef, TableSchema> tables = new HashMap<>();
        for (TableSchema table : known.values()) {
            if (!oids.contains(table.oid()) && !drafts.containsKey(table.oid())) {
                tables.put(table.table(), table);
            }
        }
        for (TableDraft d : drafts.values()) {
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
    private record Catalog(Map<Long, TableDraft> drafts, Map<String, String> objects, String versionTable,
                           Optional<RowCounter.Counted> counted) {
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
     * one ({@link RowCounter#rows(Collection, Optional)}).
     */
    private Catalog catalog(Set<Long> oids, boolean objects, boolean count) throws SQLException {
        if (!count || oids == null) {
            return catalog(oids, objects, Optional.empty());
        }
        try {
            return catalog(oids, objects, Optional.of(connection.createArrayOf("int8", oids.toArray(Long[]::new))));
        } catch (SQLException e) {
            if (!RowCounter.blocked(e)) {
                throw e;
            }
            Catalog read = catalog(oids, objects, Optional.empty());
            return new Catalog(read.drafts(), read.objects(), read.versionTable(), Optional.of(RowCounter.Counted.BLOCKED));
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
        Map<Long, TableDraft> drafts;
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
                counter.resettingLockTimeout(s::execute);
            } else {
                s.execute();
            }
            drafts = TableDraft.read(s.getResultSet());
            s.getMoreResults();
            TableDraft.fileColumns(s.getResultSet(), drafts);
            s.getMoreResults();
            TableDraft.fileConstraints(s.getResultSet(), drafts);
            s.getMoreResults();
            TableDraft.fileIndexes(s.getResultSet(), drafts);
            if (objects) {
                s.getMoreResults();
                objectsRead = objects(s.getResultSet());
            }
            s.getMoreResults();
            String qualified = firstValue(s.getResultSet());
            Optional<RowCounter.Counted> counted = Optional.empty();
            if (counting.isPresent()) {
                s.getMoreResults(); // the lock timeout set
                s.getMoreResults();
                counted = Optional.of(RowCounter.Counted.of(s.getResultSet()));
            }
            if (oids == null) {
                TableDraft.resolveReferences(drafts, Map.of());
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

}
