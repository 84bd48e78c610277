package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patterns found on indico's chain (src/site/markdown/real-chains.md) where revisions deployed together (one
 * {@code alembic upgrade}, {@code --from r1}) are judged otherwise than each deployed alone: a breaking change of
 * the last revision must be reported at its own revision and line whatever the earlier revisions of the deploy did
 * to the same table.
 */
class RealChainDeployPatternsTest {
    private static final String BASE = """
            op.execute("CREATE TABLE principals (id int PRIMARY KEY, roles text)")
            op.execute("CREATE TABLE folder_principals (id int PRIMARY KEY, roles text)")
            op.execute("CREATE TABLE sessions (id int PRIMARY KEY, is_poster boolean)")
            """;

    @TempDir
    Path dir;

    private AlembicProject project;

    /** verify --from r1: r2 and r3 are one deploy, every table of r1 busy. */
    private Result verify(String r2, String r3) {
        project = AlembicProject.create(dir).revision("r1", null, BASE).revision("r2", "r1", r2).revision("r3", "r2", r3);
        return Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");
    }

    /** "revision table line" of each finding of {@code rule} in r2 and r3, sorted. */
    private static List<String> where(Result result, String rule) {
        TreeSet<String> seen = new TreeSet<>();
        for (String revision : List.of("r2", "r3")) {
            for (JsonNode f : result.findings(revision, rule)) {
                seen.add(revision + " " + f.get("table").asText() + " " + f.get("line").asInt());
            }
        }
        return List.copyOf(seen);
    }

    /** The line of r3's file that holds {@code fragment}. */
    private int lineOfR3(String fragment) {
        try {
            List<String> lines = Files.readAllLines(project.root().resolve("migrations/versions/r3.py"));
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(fragment)) {
                    return i + 1;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError(fragment + " not in r3");
    }

    /**
     * indico 640584a3987e then 790a06790309: the first adds a column and a foreign key to a new table on each
     * principals table, the second renames a column of each. Deployed together, the renames of the tables the first
     * revision touched were reported at the first revision, at its first {@code create_foreign_key} line (a
     * statement on another table), and nothing at the renames.
     */
    @Test
    void aRenameInALaterRevisionCitesItsOwnRevisionAndLine() {
        Result result = verify("""
                op.execute("CREATE TABLE roles (id int PRIMARY KEY)")
                op.add_column('folder_principals', sa.Column('role_id', sa.Integer))
                op.add_column('principals', sa.Column('role_id', sa.Integer))
                op.create_foreign_key(None, 'folder_principals', 'roles', ['role_id'], ['id'])
                op.create_foreign_key(None, 'principals', 'roles', ['role_id'], ['id'])
                """, """
                op.alter_column('folder_principals', 'roles', new_column_name='permissions')
                op.alter_column('principals', 'roles', new_column_name='permissions')
                """);

        assertEquals(List.of(
                "r3 public.folder_principals " + lineOfR3("'folder_principals', 'roles'"),
                "r3 public.principals " + lineOfR3("'principals', 'roles'")),
                where(result, "backward-incompatible"), result.describe());
    }

    /**
     * indico 1b741c9123f6: the same column added NOT NULL with a server default to several tables, then each default
     * dropped. Each table's finding must cite a statement on that table; all cited the first table's ADD COLUMN.
     */
    @Test
    void theSameColumnAddedToTwoTablesCitesEachTablesOwnStatement() {
        Result result = verify("""
                op.add_column('principals', sa.Column('code', sa.String(), nullable=False, server_default=''))
                op.add_column('folder_principals', sa.Column('code', sa.String(), nullable=False, server_default=''))
                op.alter_column('principals', 'code', server_default=None)
                op.alter_column('folder_principals', 'code', server_default=None)
                """, "pass");

        List<JsonNode> findings = result.findings("r2", "backward-incompatible");
        TreeSet<String> tables = new TreeSet<>();
        for (JsonNode f : findings) {
            String table = f.get("table").asText();
            tables.add(table);
            String bare = table.substring(table.indexOf('.') + 1);
            assertEquals(true, f.get("statement").asText().matches("ALTER TABLE " + bare + " .*"),
                    table + " cited " + f.get("statement").asText() + "\n" + result.describe());
        }
        assertEquals(List.of("public.folder_principals", "public.principals"), List.copyOf(tables), result.describe());
    }

    /**
     * indico 1d512a9ebb30 then 9c4418d7a6aa: the first adds a table with a foreign key to a busy table (a SHARE ROW
     * EXCLUSIVE lock on it, nothing else), the second drops a column of that busy table. Deployed together the DROP
     * COLUMN drew nothing; each deployed alone, it is reported at its line.
     */
    @Test
    void aColumnDroppedAfterAnEarlierRevisionLockedTheTableIsReported() {
        Result result = verify("""
                op.execute("CREATE TABLE tracks (id int PRIMARY KEY, default_session_id int REFERENCES sessions (id))")
                """, """
                op.drop_column('sessions', 'is_poster')
                """);

        assertEquals(List.of("r3 public.sessions " + lineOfR3("drop_column")),
                where(result, "backward-incompatible"), result.describe());
    }

    /**
     * indico from base (no --from): each revision is its own deploy, so the tables that exist before a revision are
     * busy for it. The run judged nothing ("busy tables: 0 that exist at the baseline"): --from defaults to "base",
     * which was taken for a --from baseline.
     */
    /**
     * CTFd 364b4efa1686 then 24ad6790bc3c: the first creates a table, the second fills it. Deployed together, the
     * table had no DML gate (gates were put on the tables before the deploy): the second revision listed no
     * statement, and its INSERT was a nameless statement of the first.
     */
    @Test
    void dataChangedInATableAnEarlierRevisionOfTheDeployCreatedIsItsOwn() {
        Result result = verify("op.execute(\"CREATE TABLE ratings (id int PRIMARY KEY, v int)\")", """
                op.execute("INSERT INTO ratings SELECT id, 0 FROM principals")
                op.execute("UPDATE ratings SET v = 1")
                """);

        assertEquals(List.of("INSERT", "UPDATE"), tags(result, "r3"), result.describe());
        assertEquals(List.of("CREATE TABLE"), tags(result, "r2"), result.describe());
    }

    /**
     * CTFd 080d29b15cd3 then a03403986a32: a statement no trigger pauses (there a SELECT, here LOCK TABLE) in the
     * later revision is known only at that revision's next gate; it was listed, with its finding, under the earlier.
     */
    @Test
    void aStatementNoGatePausesInALaterRevisionIsItsOwn() {
        Result result = verify("op.execute(\"ALTER TABLE principals ADD COLUMN v int\")",
                "op.execute(\"LOCK TABLE sessions IN SHARE MODE\")");

        assertEquals(List.of("ALTER TABLE"), tags(result, "r2"), result.describe());
        assertEquals(List.of("public.sessions SHARE"), result.locks("r3"), result.describe());
        assertEquals(List.of(), result.findings("r2", "missing-lock-timeout").stream()
                .filter(f -> f.get("table").asText().equals("public.sessions")).toList(), result.describe());
        assertEquals("public.sessions", result.finding("r3", "missing-lock-timeout").get("table").asText());
    }

    private static List<String> tags(Result result, String revision) {
        List<String> tags = new java.util.ArrayList<>();
        result.revision(revision).get("statements").forEach(s -> tags.add(s.get("tag").asText()));
        return tags;
    }

    @Test
    void withoutFromTheTablesBeforeEachRevisionAreBusy() {
        project = AlembicProject.create(dir).revision("r1", null, BASE).revision("r2", "r1", """
                op.create_index('ix_sessions_is_poster', 'sessions', ['is_poster'])
                """);
        Result result = Lockwatch.verify(project, "--no-downgrade-check");

        assertEquals(List.of("non-concurrent-index"), result.errors("r2"), result.describe());
    }
}
