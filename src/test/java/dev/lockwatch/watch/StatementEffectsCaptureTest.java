package dev.lockwatch.watch;

import dev.lockwatch.capture.Capture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.support.SharedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Statement effects as the real capture reports them: statements run in one transaction of a session reporting its
 * gates in-band, assembled as a revision's would be.
 */
class StatementEffectsCaptureTest {
    private static final String DATABASE = "lockwatch_effects_capture_test";
    private static final String SCHEMA = """
            drop schema if exists public cascade; create schema public;
            drop type if exists mood;
            create table parent (id int primary key);
            create table child (id int primary key, parent_id int constraint child_parent_id_fkey references parent (id));
            create table a (id int primary key, x text, name text); create index ix_a_name on a (name);
            create table b (id int primary key, x text);
            create type mood as enum ('ok', 'sad'); create table c (id int primary key, m mood);
            create table "user" (id int, v int);
            insert into parent values (1); insert into child values (1, 1); insert into a values (1, 'x', 'n');
            insert into b values (1, 'x'); insert into "user" values (1, 1);
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
    }

    @Test
    void aForeignKeyDroppedAndAddedUnderTheSameNameIsValidatedAgain() throws SQLException {
        List<Statement> statements = run("alter table child drop constraint child_parent_id_fkey",
                "alter table child add constraint child_parent_id_fkey foreign key (parent_id) references parent (id) on delete cascade");
        StatementEffects added = statements.get(1).effects();
        assertEquals(1, added.constraintsValidated().size(), added.toString());
        assertEquals("child_parent_id_fkey", added.constraintsValidated().get(0).name());
        assertEquals(new TableRef("public", "parent"), added.constraintsValidated().get(0).referenced().orElseThrow().name());
        assertEquals(List.of(), statements.get(0).effects().constraintsValidated());
    }

    @Test
    void setNotNullOnTwoTablesAndOnAColumnAddedEarlierAllScan() throws SQLException {
        List<Statement> statements = run("alter table a alter column x set not null", "alter table b alter column x set not null",
                "alter table b add column y boolean default false", "alter table b alter column y set not null");
        assertEquals(List.of("x"), names(statements.get(0).effects().becameNotNull()));
        assertEquals(List.of("x"), names(statements.get(1).effects().becameNotNull()));
        assertEquals(List.of(), names(statements.get(2).effects().becameNotNull()));
        assertEquals(List.of("y"), names(statements.get(3).effects().becameNotNull()));
        assertTrue(statements.get(1).effects().scanned().stream().anyMatch(t -> t.name().name().equals("b")), statements.get(1).toString());
        assertEquals(Set.of(), statements.get(2).effects().scanned());
    }

    @Test
    void aBinaryCoercibleTypeChangeRebuildsNothingAndARenamedTypeIsNoTypeChange() throws SQLException {
        List<Statement> statements = run("alter table a alter column name type varchar", "alter type mood rename to mood2");
        StatementEffects retyped = statements.get(0).effects();
        assertEquals(List.of(), retyped.indexesBuilt(), retyped.toString());
        assertEquals(Set.of(), retyped.rewritten());
        assertEquals(1, retyped.typeChanged().size());
        assertTrue(statements.get(1).effects().known());
        assertEquals(List.of(), statements.get(1).effects().typeChanged());
    }

    @Test
    void aRewriteThenAPrimaryKeyBuildsTheKeysIndexInTheSecondStatement() throws SQLException {
        List<Statement> statements = run("alter table \"user\" alter column v type bigint",
                "alter table \"user\" add primary key (id)");
        assertEquals(1, statements.get(0).effects().rewritten().size(), statements.get(0).toString());
        assertEquals(List.of("user_pkey"), statements.get(1).effects().indexesBuilt().stream()
                .map(StatementEffects.IndexBuilt::name).toList());
    }

    @Test
    void workOnATableRenamedEarlierIsOnTheSameOid() throws SQLException {
        List<Statement> statements = run("alter table b rename to b2", "alter table b2 alter column x set not null",
                "alter table b2 drop column x");
        StatementEffects renamed = statements.get(0).effects();
        assertEquals(new TableRef("public", "b2"), renamed.tablesRenamed().get(0).to());
        assertEquals(renamed.tablesRenamed().get(0).table(), statements.get(1).effects().becameNotNull().get(0).table());
        assertEquals(List.of("x"), names(statements.get(2).effects().columnsDropped()));
    }

    private static List<String> names(List<StatementEffects.Column> columns) {
        return columns.stream().map(StatementEffects.Column::name).toList();
    }

    /** Runs {@code sql} in one transaction, reporting gates in-band, and assembles the statements. */
    private static List<Statement> run(String... sql) throws SQLException {
        List<BackendSample> samples;
        SchemaSnapshot before;
        try (Connection c = SharedPostgres.connect(DATABASE)) {
            before = new SchemaReader(c, Capture.DEFAULT_VERSION_TABLE, 16).read();
            samples = CaptureDatabase.reportingGates(c, List.of(sql));
            c.rollback();
        }
        return StatementAssembler.assemble(samples, Catalog.of(before), before.tables().keySet(),
                Capture.DEFAULT_VERSION_TABLE);
    }
}
