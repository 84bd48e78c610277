package dev.lockwatch.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.capture.Capture;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.support.SharedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A read after a change reads only what changed and keeps the rest, yet answers exactly what a full read of the
 * same database answers: whether it is told what a judged upgrade touched (its gates' reports) or finds out itself
 * (after an unwatched command).
 */
class SchemaReaderTest {
    private static final String DATABASE = "lockwatch_schema_reader_test";
    private static final String SCHEMA = """
            drop schema if exists public cascade; create schema public;
            drop schema if exists archive cascade; drop schema if exists attic cascade;
            create type mood as enum ('ok', 'sad');
            create table parent (id serial primary key, code text not null, m mood);
            create table child (id int primary key, parent_id int constraint child_parent_id_fkey references parent (id),
                                note varchar(10) default 'n', constraint child_note_check check (note <> ''));
            create index ix_child_parent on child (parent_id);
            create table other (id int primary key, x text, y int);
            create unique index ix_other_x on other (x);
            create table busy (id int primary key, v int);
            create view parent_codes as select id, code from parent;
            insert into parent (code) values ('a'), ('b'); insert into child values (1, 1, 'x'), (2, 2, 'y');
            insert into busy select g, g from generate_series(1, 50) g;
            """;

    @BeforeAll
    static void createDatabase() throws SQLException {
        SharedPostgres.createDatabase(DATABASE);
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        SharedPostgres.dropDatabase(DATABASE);
    }

    @BeforeEach
    void schema() throws SQLException {
        CaptureDatabase.reset(DATABASE, SCHEMA);
        try (Connection c = SharedPostgres.connect(DATABASE); var s = c.createStatement()) {
            s.execute("select lockwatch.gate_tables()"); // every table gated, as a chain's tables are
        }
    }

    /** What can change the definition of tables it neither touches nor renames: a read of it reads all. */
    private static final Set<String> REDEFINING = Set.of("rename a sequence a default names", "add an enum value",
            "rename a type columns have", "rename a schema");

    /** Changes an upgrade or a downgrade makes, each of which a read must see all of. */
    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of("add a column", "alter table other add column z int"),
                Arguments.of("drop a column", "alter table other drop column y"),
                Arguments.of("rename a column a foreign key and a view name",
                        "alter table parent rename column id to parent_key"),
                Arguments.of("rename a table a foreign key and a view name", "alter table parent rename to parents"),
                Arguments.of("rename an index", "alter index ix_other_x rename to ix_other_x2"),
                Arguments.of("drop an index", "drop index ix_child_parent"),
                Arguments.of("drop an index on one table, create one on another",
                        "drop index ix_other_x; create index ix_busy_v on busy (v)"),
                Arguments.of("drop a foreign key", "alter table child drop constraint child_parent_id_fkey"),
                Arguments.of("drop a check", "alter table child drop constraint child_note_check"),
                Arguments.of("add a check not valid, then validate it",
                        "alter table busy add constraint busy_v check (v > 0) not valid;"
                                + " alter table busy validate constraint busy_v"),
                Arguments.of("set not null", "alter table other alter column x set not null"),
                Arguments.of("change a type with a rewrite", "alter table busy alter column v type bigint"),
                Arguments.of("widen a varchar", "alter table child alter column note type varchar(20)"),
                Arguments.of("change a default", "alter table child alter column note set default 'm'"),
                Arguments.of("drop a default", "alter table child alter column note drop default"),
                Arguments.of("create a table with a sequence and a foreign key",
                        "create table tags (id serial primary key, parent_id int references parent (id))"),
                Arguments.of("drop a table and its dependants", "drop table parent cascade"),
                Arguments.of("drop a table, create another", "drop table other; create table other2 (id bigserial)"),
                Arguments.of("rename a sequence a default names", "alter sequence parent_id_seq rename to parent_seq"),
                Arguments.of("add an enum value", "alter type mood add value 'happy'"),
                Arguments.of("rename a type columns have", "alter type mood rename to feeling"),
                Arguments.of("move a table to another schema", "create schema archive; alter table other set schema archive"),
                Arguments.of("rename a schema", "create schema archive; alter table other set schema archive;"
                        + " alter schema archive rename to attic"),
                Arguments.of("write rows", "insert into busy select g, g from generate_series(51, 70) g;"
                        + " delete from child where id = 2"),
                Arguments.of("truncate", "truncate busy"),
                Arguments.of("make a table unlogged", "alter table other set unlogged"),
                Arguments.of("replace a view", "create or replace view parent_codes as select id, code, m from parent"),
                Arguments.of("nothing at all", "select 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aReadAfterAnUnwatchedCommandFindsWhatChanged(String name, String sql) throws SQLException {
        try (Connection reading = SharedPostgres.connect(DATABASE)) {
            SchemaReader reader = reader(reading);
            SchemaSnapshot before = reader.read();
            runUnwatched(sql);
            Set<Long> written = sql.contains("insert") || sql.contains("truncate") ? oids(before, "busy", "child") : Set.of();
            assertEquals(fullRead(), reader.read(written), name);
            assertEquals(REDEFINING.contains(name) && !name.equals("rename a schema") ? 2 : 1, reader.fullReads(), name);
        }
    }

    /**
     * The round trip's database notes its DDL (lockwatch.note = on): a read of shapes there reads what was noted,
     * and answers what a full read answers. A session whatever its name notes: one env.py renamed is no exception.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aReadOfShapesWhereDdlIsNotedReadsWhatWasNoted(String name, String sql) throws SQLException {
        try (Connection reading = SharedPostgres.connect(DATABASE)) {
            SchemaReader reader = reader(reading).notedChanges();
            reader.readShape();
            try (Connection other = SharedPostgres.connect(DATABASE); var s = other.createStatement()) {
                s.execute("set application_name = 'renamed-by-env-py'; set lockwatch.note = on; set lockwatch.internal = on");
                s.execute(sql);
            }
            SchemaSnapshot shape;
            try (Connection fresh = SharedPostgres.connect(DATABASE)) {
                shape = reader(fresh).readShape();
            }
            assertEquals(withoutStorage(shape), withoutStorage(reader.readShape()), name);
            boolean newSchema = sql.contains("create schema") || sql.contains("alter schema");
            assertEquals(newSchema || REDEFINING.contains(name) ? 2 : 1, reader.fullReads(), name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aReadAfterAJudgedUpgradeReadsWhatItsGatesSayItTouched(String name, String sql) throws SQLException {
        try (Connection reading = SharedPostgres.connect(DATABASE)) {
            SchemaReader reader = reader(reading);
            reader.read();
            List<BackendSample> samples = runReportingGates(sql);
            Optional<Touched> touched = Touched.of(samples);
            SchemaSnapshot after = touched.isPresent() ? reader.readAfter(touched.get().oids(), touched.get().objects())
                    : reader.readAll();
            assertEquals(fullRead(), after, name);
            assertEquals(REDEFINING.contains(name) ? 2 : 1, reader.fullReads(), name);
        }
    }

    /**
     * New storage no gate reports is read too: at the first read after an upgrade (rows written since the last read),
     * and after an earlier one (above the storage mark that read took, not by a scan).
     */
    @ParameterizedTest(name = "{0}, after an earlier read after an upgrade: {1}")
    @org.junit.jupiter.params.provider.CsvSource({"reindex table concurrently other, false", "vacuum full busy, false",
            "cluster child using ix_child_parent, false", "reindex index ix_other_x, false",
            "reindex table concurrently other, true", "vacuum full busy, true",
            "cluster child using ix_child_parent, true", "reindex index ix_other_x, true"})
    void newStorageNoGateReportsIsReadToo(String sql, boolean earlierReadAfter) throws SQLException {
        try (Connection reading = SharedPostgres.connect(DATABASE)) {
            SchemaReader reader = reader(reading);
            reader.read();
            if (earlierReadAfter) {
                reader.readAfter(Set.of(), false);
            }
            runUnwatched(sql); // autocommit: no lock left for a later gate to see
            assertEquals(fullRead(), reader.readAfter(Set.of(), false), sql);
        }
    }

    /**
     * The read after an upgrade counts the rows of what it read in the same round trip; a table whose lock another
     * session holds is left unknown (after the count's lock timeout), the others are counted, and the session's lock
     * timeout is as before.
     */
    @Test
    void aReadAfterCountsInItsRoundTripAndLeavesATableItsLockKeepsUnknown() throws SQLException {
        runUnwatched("create table plain (x int); insert into plain select g from generate_series(1, 7) g");
        try (Connection reading = SharedPostgres.connect(DATABASE); Connection holding = SharedPostgres.connect(DATABASE)) {
            SchemaReader reader = reader(reading);
            SchemaSnapshot before = reader.read();
            runUnwatched("insert into busy select g, g from generate_series(51, 60) g; insert into plain values (8)");
            SchemaSnapshot counted = reader.readAfter(oids(before, "busy", "plain"), false);
            assertEquals(60L, counted.table(new TableRef("public", "busy")).orElseThrow().rows().value());
            assertEquals(8L, counted.table(new TableRef("public", "plain")).orElseThrow().rows().value());

            holding.setAutoCommit(false);
            holding.createStatement().execute("lock table plain in access exclusive mode"); // plain has no index:
            runUnwatched("insert into busy values (61, 61)"); // only the count needs its lock
            SchemaSnapshot held = reader.readAfter(oids(before, "busy", "plain"), false);
            assertEquals(61L, held.table(new TableRef("public", "busy")).orElseThrow().rows().value());
            assertEquals(null, held.table(new TableRef("public", "plain")).orElseThrow().rows(), "unknown, not waited for");
            holding.rollback();
            try (var s = reading.createStatement(); var rs = s.executeQuery("show lock_timeout")) {
                assertTrue(rs.next());
                assertEquals("0", rs.getString(1));
            }
        }
    }

    @Test
    void aCommandThatMayRedefineTablesItDoesNotTouchTellsNothing() throws SQLException {
        assertEquals(Optional.empty(), Touched.of(runReportingGates("alter type mood rename to feeling")));
        assertEquals(Optional.empty(), Touched.of(runReportingGates("alter sequence parent_id_seq rename to parent_seq")));
        Touched created = Touched.of(runReportingGates("create table tags (id serial primary key)")).orElseThrow();
        assertTrue(created.objects(), "a new sequence is read");
        Touched column = Touched.of(runReportingGates("alter table other add column z int")).orElseThrow();
        assertEquals(false, column.objects());
        Touched copied = Touched.of(runReportingGates("create table tags_copy as select * from tags")).orElseThrow();
        try (Connection c = SharedPostgres.connect(DATABASE); var s = c.createStatement();
             var rs = s.executeQuery("select c.oid::bigint, (select count(*) from pg_trigger g where g.tgrelid = c.oid"
                     + " and g.tgname = 'lockwatch_dml_gate') from pg_class c where c.relname in ('tags', 'tags_copy')"
                     + " order by c.relname")) {
            for (Touched made : List.of(created, copied)) {
                assertTrue(rs.next());
                assertEquals(Set.of(rs.getLong(1)), made.gated(), "the table its statement created and gated");
                assertEquals(1, rs.getLong(2), "the end gate gave it its DML gate");
            }
        }
        assertEquals(Set.of(), column.gated());
    }

    @Test
    void aReadWhenNothingHappenedIsTheLastOneAndAShapeReadCountsNothingUntilAsked() throws SQLException {
        try (Connection reading = SharedPostgres.connect(DATABASE)) {
            SchemaReader reader = reader(reading);
            SchemaSnapshot first = reader.read();
            assertTrue(first == reader.read(), "answered from the last read");
            runUnwatched("alter table busy add column w int");
            SchemaSnapshot shape = reader.readShape();
            assertEquals(null, shape.table(new TableRef("public", "busy")).orElseThrow().rows(), "not counted");
            assertNotEquals(null, shape.table(new TableRef("public", "other")).orElseThrow().rows(), "kept");
            assertEquals(fullRead(), reader.read());
        }
    }

    /**
     * Each table's rows are counted where it is, whatever its name; an empty one is known empty by its size alone,
     * an unpopulated materialized view too (a count of it fails); a table with rows in the last page a DELETE left is
     * counted, not taken for empty.
     */
    @Test
    void rowsAreCountedByTableWhateverItsNameAndAnEmptyTableByItsSize() throws SQLException {
        runUnwatched("drop schema if exists \"Odd Schema\" cascade; create schema \"Odd Schema\";"
                + " create table \"Odd Schema\".\"Mixed Case\" (id int); insert into \"Odd Schema\".\"Mixed Case\""
                + " values (1), (2), (3); create table public.\"emptied\" (id int); insert into emptied values (1);"
                + " delete from emptied; create materialized view parent_count as select count(*) from parent with no data");
        try (Connection reading = SharedPostgres.connect(DATABASE)) {
            SchemaSnapshot read = reader(reading).read();
            java.util.function.Function<TableRef, String> rows = t -> String.valueOf(read.table(t).orElseThrow().rows());
            assertEquals("3 rows", rows.apply(new TableRef("Odd Schema", "Mixed Case")));
            assertEquals("50 rows", rows.apply(new TableRef("public", "busy")));
            assertEquals("0 rows", rows.apply(new TableRef("public", "other")));
            assertEquals("0 rows", rows.apply(new TableRef("public", "emptied")));
            assertEquals("0 rows", rows.apply(new TableRef("public", "parent_count")));
        } finally {
            runUnwatched("drop schema \"Odd Schema\" cascade; drop table emptied; drop materialized view parent_count");
        }
    }

    /**
     * A snapshot without its tables' and indexes' storage (relfilenode): no DDL event tells of new storage
     * (TRUNCATE, VACUUM FULL, CLUSTER), and comparing shapes leaves it out.
     */
    private static SchemaSnapshot withoutStorage(SchemaSnapshot snapshot) {
        java.util.Map<TableRef, dev.lockwatch.model.TableSchema> tables = new java.util.HashMap<>();
        snapshot.tables().forEach((ref, t) -> tables.put(ref, new dev.lockwatch.model.TableSchema(t.table(), t.oid(),
                t.kind(), t.unlogged(), 0, t.rows(), t.columns(), t.constraints(), t.indexes().stream()
                .map(i -> new dev.lockwatch.model.IndexSchema(i.name(), i.valid(), i.unique(), i.columns(),
                        i.definition(), i.oid(), 0)).toList())));
        return SchemaSnapshot.of(tables, snapshot.objects(), snapshot.versions());
    }

    private static SchemaSnapshot fullRead() throws SQLException {
        try (Connection c = SharedPostgres.connect(DATABASE)) {
            return reader(c).read();
        }
    }

    private static SchemaReader reader(Connection connection) throws SQLException {
        return new SchemaReader(connection, Capture.DEFAULT_VERSION_TABLE, 16);
    }

    /** Runs {@code sql} in a session of its own that passes no gate, as the round trip's unwatched commands do. */
    private static void runUnwatched(String sql) throws SQLException {
        try (Connection other = SharedPostgres.connect(DATABASE); var s = other.createStatement()) {
            s.execute("set application_name = 'lockwatch-unjudged'");
            s.execute(sql);
        }
    }

    private static Set<Long> oids(SchemaSnapshot snapshot, String... tables) {
        Set<Long> oids = new java.util.HashSet<>();
        for (String table : tables) {
            snapshot.table(new TableRef("public", table)).ifPresent(t -> oids.add(t.oid()));
        }
        return oids;
    }

    /** Runs {@code sql} in one committed transaction of a session reporting its gates in-band: a judged upgrade's samples. */
    private static List<BackendSample> runReportingGates(String sql) throws SQLException {
        try (Connection c = SharedPostgres.connect(DATABASE)) {
            List<BackendSample> samples = CaptureDatabase.reportingGates(c, List.of(sql.split("; ")));
            c.commit();
            return samples;
        }
    }
}
