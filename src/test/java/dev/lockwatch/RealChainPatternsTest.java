package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patterns found by running real public chains (src/site/markdown/real-chains.md), each rewritten as a small
 * chain of our own. The ones the statement-effect rules (issue 14, "verdicts") fix are disabled until they land.
 */
class RealChainPatternsTest {
    private static final String BASE = """
            op.execute("CREATE TABLE brackets (id int PRIMARY KEY)")
            op.execute("CREATE TABLE teams (id int PRIMARY KEY, bracket text)")
            op.execute("CREATE TABLE users (id int PRIMARY KEY, bracket text)")
            op.execute("CREATE TABLE lb (id int PRIMARY KEY, tenant_id text)")
            op.execute("CREATE TABLE pool (id int PRIMARY KEY, tenant_id text)")
            op.execute("CREATE TABLE amphora (id int PRIMARY KEY, host_id text NOT NULL)")
            op.execute("CREATE TABLE sni (id int, container varchar(36), PRIMARY KEY (id, container))")
            """;

    @TempDir
    Path dir;

    private AlembicProject project;

    /** verify --from r1 of a chain whose r1 runs {@code base} and whose r2, the revision judged, {@code upgrade}. */
    private Result verify(String base, String upgrade) {
        project = AlembicProject.create(dir).revision("r1", null, base).revision("r2", "r1", upgrade);
        return Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");
    }

    /** "table line statement" of each finding of {@code rule}, sorted. */
    private static List<String> where(Result result, String revision, String rule) {
        TreeSet<String> seen = new TreeSet<>();
        for (JsonNode f : result.findings(revision, rule)) {
            seen.add(f.get("table").asText() + " " + f.get("line").asInt() + " " + f.get("statement").asText());
        }
        return List.copyOf(seen);
    }

    private static void assertCited(Result result, String rule, String... cited) {
        assertEquals(List.of(cited), where(result, "r2", rule), result.describe());
    }

    /** How {@link #where} shows a finding on {@code table} at r2's line holding {@code fragment}. */
    private String cited(String table, String fragment, String statement) {
        return "public." + table + " " + line(fragment) + " " + statement;
    }

    /** The line of r2's file that holds {@code fragment}. */
    private int line(String fragment) {
        try {
            List<String> lines = Files.readAllLines(project.root().resolve("migrations/versions/r2.py"));
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(fragment)) {
                    return i + 1;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError(fragment + " not in r2");
    }

    /** CTFd 9889b8c53673: a column, an unnamed FK on it, and a dropped column, on two tables with the same names. */
    @Test
    void anUnnamedForeignKeyAndADroppedColumnCiteTheirOwnStatements() {
        Result result = verify(BASE, """
                op.add_column('teams', sa.Column('bracket_id', sa.Integer))
                op.create_foreign_key(None, 'teams', 'brackets', ['bracket_id'], ['id'], ondelete='SET NULL')
                op.drop_column('teams', 'bracket')
                op.add_column('users', sa.Column('bracket_id', sa.Integer))
                op.create_foreign_key(None, 'users', 'brackets', ['bracket_id'], ['id'], ondelete='SET NULL')
                op.drop_column('users', 'bracket')
                """);

        assertCited(result, "constraint-validation",
                cited("teams", "None, 'teams'", "ALTER TABLE teams ADD FOREIGN KEY(bracket_id) REFERENCES brackets (id) ON DELETE SET NULL"),
                cited("users", "None, 'users'", "ALTER TABLE users ADD FOREIGN KEY(bracket_id) REFERENCES brackets (id) ON DELETE SET NULL"));
        assertCited(result, "backward-incompatible",
                cited("teams", "drop_column('teams'", "ALTER TABLE teams DROP COLUMN bracket"),
                cited("users", "drop_column('users'", "ALTER TABLE users DROP COLUMN bracket"));
    }

    /** octavia 6abb04f24c5 and 3a1e1cdb7b27: renames on several tables, and a rename that also drops NOT NULL. */
    @Test
    void eachRenameCitesTheStatementThatRenamed() {
        Result result = verify(BASE, """
                op.alter_column('lb', 'tenant_id', new_column_name='project_id')
                op.alter_column('pool', 'tenant_id', new_column_name='project_id')
                op.alter_column('amphora', 'host_id', new_column_name='compute_id', nullable=True)
                """);

        assertCited(result, "backward-incompatible",
                cited("amphora", "'amphora'", "ALTER TABLE amphora RENAME host_id TO compute_id"),
                cited("lb", "'lb'", "ALTER TABLE lb RENAME tenant_id TO project_id"),
                cited("pool", "'pool'", "ALTER TABLE pool RENAME tenant_id TO project_id"));
    }

    /** octavia 8c0851bdf6c3: varchar(36) to varchar(128) rebuilds nothing. */
    @Test
    void wideningAVarcharIsNoIndexBuild() {
        Result result = verify(BASE, """
                op.alter_column('sni', 'container', existing_type=sa.String(36), type_=sa.String(128))
                """);

        assertEquals(List.of(), result.errors("r2"), result.describe());
    }

    /** prefect 4ff2f2bf81f4: add a nullable column, backfill it, then SET NOT NULL in the same revision. */
    @Test
    void setNotNullAfterABackfillIsTheScanAndTheBreakingChange() {
        Result result = verify(BASE, """
                op.add_column('teams', sa.Column('slug', sa.String()))
                op.execute("UPDATE teams SET slug = 'team-' || id")
                op.alter_column('teams', 'slug', existing_type=sa.String(), nullable=False)
                """);

        String setNotNull = cited("teams", "nullable=False", "ALTER TABLE teams ALTER COLUMN slug SET NOT NULL");
        assertEquals(List.of(setNotNull), where(result, "r2", "constraint-validation"), result.describe());
        assertEquals(List.of(setNotNull), where(result, "r2", "backward-incompatible"), result.describe());
    }

    /**
     * prefect d38c5e6a9115: a table renamed, its primary key dropped and added again, a foreign key added, under the
     * new name; the findings name the table as the statements do, by its new name (the same oid as the busy table).
     */
    @Test
    void aPrimaryKeyAndAForeignKeyOnARenamedTableAreJudged() {
        Result result = verify(BASE + """
                op.execute("CREATE TABLE block (id int CONSTRAINT pk_block_data PRIMARY KEY, team_id int)")
                """, """
                op.rename_table('block', 'block_document')
                op.drop_constraint('pk_block_data', 'block_document', type_='primary')
                op.create_primary_key('pk_block_document', 'block_document', ['id'])
                op.create_foreign_key('fk_block_team', 'block_document', 'teams', ['team_id'], ['id'])
                """);

        assertCited(result, "non-concurrent-index",
                cited("block_document", "create_primary_key", "ALTER TABLE block_document ADD CONSTRAINT pk_block_document PRIMARY KEY (id)"));
        assertCited(result, "constraint-validation",
                cited("block_document", "create_foreign_key", "ALTER TABLE block_document ADD CONSTRAINT fk_block_team FOREIGN KEY(team_id) REFERENCES teams (id)"));
    }

    /**
     * warehouse 104b4c56862b: LOCK TABLE packages, LOCK TABLE journals, then an ALTER TABLE. Polling saw the first
     * (here made long), not the second: the journals lock is the second's, as its session reported after it, not
     * the first's, nor one the ALTER's start gate found.
     */
    @Test
    void aLockTakenByAnUnseenStatementIsNotTheOnePollingSawBeforeIt() {
        Result result = verify(BASE, """
                op.execute("LOCK TABLE teams IN EXCLUSIVE MODE; SELECT pg_sleep(0.3)")
                op.execute("LOCK TABLE users IN EXCLUSIVE MODE")
                op.add_column('teams', sa.Column('slug', sa.String()))
                """);

        Map<String, List<String>> locksBy = new TreeMap<>();
        for (JsonNode statement : result.revision("r2").get("statements")) {
            for (JsonNode lock : statement.get("locks")) {
                if (lock.get("mode").asText().equals("EXCLUSIVE")) {
                    locksBy.computeIfAbsent(lock.get("table").asText(), t -> new ArrayList<>()).add(statement.get("sql").asText());
                }
            }
        }
        assertEquals(List.of("LOCK TABLE teams IN EXCLUSIVE MODE; SELECT pg_sleep(0.3)"), locksBy.get("public.teams"),
                result.describe());
        assertEquals(List.of("LOCK TABLE users IN EXCLUSIVE MODE"), locksBy.get("public.users"), result.describe());
    }
}
