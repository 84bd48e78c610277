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
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verdicts when the pending revisions are one deploy and several of them work on the same tables (CTFd
 * 9889b8c53673, prefect e085c9cbf8ce and d38c5e6a9115, polar d54b19ea954c): each revision is judged on what its own
 * statements did, by oid, and busy means existed before the deploy, under any later name.
 */
class JointDeployVerdictsTest {
    private static final String BASE = """
            op.execute("CREATE TABLE brackets (id int PRIMARY KEY)")
            op.execute("CREATE TABLE users (id int PRIMARY KEY, bracket text)")
            op.execute("CREATE TABLE teams (id int PRIMARY KEY, bracket text)")
            op.execute("CREATE TABLE block (id int PRIMARY KEY, team_id int)")
            op.execute("CREATE TABLE pledges (id int PRIMARY KEY, deleted_at timestamp)")
            op.execute("CREATE INDEX ix_pledges_deleted_at ON pledges (deleted_at)")
            """;

    @TempDir
    static Path dir;

    private static AlembicProject project;
    private static Result result;

    /** One deploy of r2..r4 on r1's tables, run once for every test: r2 and r3 both work on users and teams. */
    @BeforeAll
    static void deploy() {
        project = AlembicProject.create(dir).revision("r1", null, BASE)
                .revision("r2", "r1", """
                        op.add_column('users', sa.Column('bracket_id', sa.Integer))
                        op.create_foreign_key(None, 'users', 'brackets', ['bracket_id'], ['id'])
                        op.add_column('teams', sa.Column('size', sa.Integer))
                        op.rename_table('block', 'block_document')
                        """)
                .revision("r3", "r2", """
                        op.drop_column('users', 'bracket')
                        op.drop_column('teams', 'bracket')
                        op.add_column('teams', sa.Column('logic', sa.String(80), nullable=False))
                        op.create_index('ix_block_document_team_id', 'block_document', ['team_id'])
                        """)
                .revision("r4", "r3", """
                        op.drop_index('ix_pledges_deleted_at', table_name='pledges')
                        op.drop_table('pledges')
                        """);
        result = Lockwatch.verify(project, "--from", "r1", "--to", "r4", "--no-downgrade-check");
    }

    @Test
    void eachRevisionOfTheDeployIsJudgedOnWhatItsStatementsDid() {
        // columns dropped under one name from two tables another revision of the deploy also touched, and a NOT NULL
        // column added without a default (CTFd f73a96c97449)
        assertEquals(List.of(
                        cited("r3", "teams", "drop_column('teams'", "ALTER TABLE teams DROP COLUMN bracket"),
                        cited("r3", "teams", "'logic'", "ALTER TABLE teams ADD COLUMN logic VARCHAR(80) NOT NULL"),
                        cited("r3", "users", "drop_column('users'", "ALTER TABLE users DROP COLUMN bracket")),
                where(result, "r3", "backward-incompatible"), result.describe());
        // a rename of a table a later revision of the deploy works on
        assertEquals(List.of(cited("r2", "block", "rename_table", "ALTER TABLE block RENAME TO block_document")),
                where(result, "r2", "backward-incompatible"), result.describe());
        // the unnamed foreign key is cited at its own statement, not the ADD COLUMN before it
        assertEquals(List.of(cited("r2", "users", "create_foreign_key",
                        "ALTER TABLE users ADD FOREIGN KEY(bracket_id) REFERENCES brackets (id)")),
                where(result, "r2", "foreign-key-without-index"), result.describe());
    }

    @Test
    void aTableRenamedEarlierInTheDeployIsStillBusy() {
        List<String> built = where(result, "r3", "non-concurrent-index");
        assertEquals(1, built.size(), result.describe());
        assertTrue(built.get(0).contains("CREATE INDEX ix_block_document_team_id"), result.describe());
        for (JsonNode statement : result.revision("r3").get("statements")) {
            if (statement.get("sql").asText().startsWith("CREATE INDEX")) {
                assertTrue(statement.get("locks").size() > 0, result.describe());
                for (JsonNode lock : statement.get("locks")) {
                    assertTrue(lock.get("busy").asBoolean(), "it existed before the deploy: " + result.describe());
                }
            }
        }
    }

    @Test
    void anIndexDroppedWithItsTableIsNotTheProblem() {
        assertEquals(List.of(), result.findings("r4", "non-concurrent-index-drop"), result.describe());
        assertEquals(List.of(cited("r4", "pledges", "drop_table", "DROP TABLE pledges")),
                where(result, "r4", "backward-incompatible"), result.describe());
    }

    /**
     * r3 works on tables r2 already locked ACCESS EXCLUSIVE in the deploy's transaction: nothing could queue behind
     * r3's requests there, so the lock's findings are r2's, where it was taken (on pypi/warehouse's one deploy, 259
     * of 671 findings repeated an earlier revision's lock). r3's own locks show {@code held_before}.
     */
    @Test
    void aLockTheDeployAlreadyHeldIsJudgedWhereItWasTaken() {
        assertEquals(List.of("public.block", "public.brackets", "public.teams", "public.users"),
                tables(result, "r2", "missing-lock-timeout"),
                result.describe());
        assertEquals(List.of(), tables(result, "r3", "missing-lock-timeout"), result.describe());
        assertEquals(List.of(), tables(result, "r3", "lock-held-across-revisions"), result.describe());
        for (JsonNode statement : result.revision("r3").get("statements")) {
            for (JsonNode lock : statement.get("locks")) {
                assertTrue(lock.get("held_before").asBoolean(), statement.get("sql").asText() + ": " + result.describe());
            }
        }
        List<String> built = where(result, "r3", "non-concurrent-index");
        assertEquals(1, built.size(), result.describe());
    }

    private static List<String> tables(Result result, String revision, String rule) {
        TreeSet<String> seen = new TreeSet<>();
        result.findings(revision, rule).forEach(f -> seen.add(f.get("table").asText()));
        return List.copyOf(seen);
    }

    /** Without --from each revision is its own deploy: the tables an earlier revision created are busy for it. */
    @Test
    void withoutFromTheTablesBeforeEachRevisionAreBusy(@TempDir Path own) {
        AlembicProject chain = AlembicProject.create(own).revision("r1", null, BASE)
                .revision("r2", "r1", """
                        op.create_index('ix_users_bracket', 'users', ['bracket'])
                        """);

        Result each = Lockwatch.verify(chain, "--no-downgrade-check");

        assertEquals(List.of("non-concurrent-index"), each.errors("r2"), each.describe());
        assertEquals(List.of(), each.errors("r1"), each.describe());
        assertTrue(each.err().contains("busy tables: those that exist before each revision"), each.describe());
    }

    /** "table line statement" of each finding of {@code rule}, sorted. */
    private static List<String> where(Result result, String revision, String rule) {
        TreeSet<String> seen = new TreeSet<>();
        for (JsonNode f : result.findings(revision, rule)) {
            seen.add(f.get("table").asText() + " " + f.get("line").asInt() + " " + f.get("statement").asText());
        }
        return List.copyOf(seen);
    }

    /** How {@link #where} shows a finding on {@code table} at {@code revision}'s line holding {@code fragment}. */
    private static String cited(String revision, String table, String fragment, String statement) {
        try {
            List<String> lines = Files.readAllLines(project.root().resolve("migrations/versions/" + revision + ".py"));
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(fragment)) {
                    return "public." + table + " " + (i + 1) + " " + statement;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError(fragment + " not in " + revision);
    }
}
