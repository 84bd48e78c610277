package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verdicts from what each statement did, end to end: the patterns issue 14 found missed or misjudged on real chains. */
class StatementVerdictsTest {
    private static final String SCHEMA = """
            op.execute("CREATE TABLE parent (id int PRIMARY KEY)")
            op.execute("CREATE TABLE child (id int PRIMARY KEY, parent_id int CONSTRAINT child_parent_id_fkey REFERENCES parent(id))")
            op.execute("CREATE INDEX ix_child_parent_id ON child (parent_id)")
            op.execute("CREATE TABLE a (id int PRIMARY KEY, x text, name text)")
            op.execute("CREATE INDEX ix_a_name ON a (name)")
            op.execute("CREATE TABLE b (id int PRIMARY KEY, x text)")
            op.execute("CREATE TYPE mood AS ENUM ('ok','sad')")
            op.execute("CREATE TABLE c (id int PRIMARY KEY, m mood)")""";

    @TempDir
    Path dir;

    @Test
    void theIssuesSixRevisionReproductionGetsExactlyItsVerdicts() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, SCHEMA)
                .revision("r2", "r1", """
                        op.drop_constraint("child_parent_id_fkey", "child", type_="foreignkey")
                        op.create_foreign_key("child_parent_id_fkey", "child", "parent", ["parent_id"], ["id"], ondelete="CASCADE")""")
                .revision("r3", "r2", """
                        op.alter_column("a", "x", nullable=False)
                        op.alter_column("b", "x", nullable=False)""")
                .revision("r4", "r3", """
                        op.add_column("b", sa.Column("y", sa.Boolean(), server_default=sa.text("false")))
                        op.alter_column("b", "y", nullable=False)""")
                .revision("r5", "r4", """
                        op.alter_column("a", "name", existing_type=sa.Text(), type_=sa.String())""")
                .revision("r6", "r5", """
                        op.execute("ALTER TYPE mood RENAME TO mood2")""");

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        assertEquals(List.of("public.child"), tables(result, "r2", "constraint-validation"), result.describe());
        assertEquals(List.of("public.a", "public.b"), tables(result, "r3", "constraint-validation"), result.describe());
        assertEquals(List.of("public.b"), tables(result, "r4", "constraint-validation"), result.describe());
        assertEquals(List.of("constraint-validation"), result.errors("r2"), result.describe());
        assertEquals(List.of("constraint-validation", "constraint-validation"), result.errors("r3"), result.describe());
        assertEquals(List.of("constraint-validation"), result.errors("r4"), result.describe());
        assertEquals(List.of(), result.errors("r5"), result.describe());
        assertEquals(List.of(), result.errors("r6"), result.describe());
    }

    @Test
    void reservedWordTablesGetHintsThatAreValidSql() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, """
                        op.execute('CREATE TABLE "user" (id int PRIMARY KEY, x text)')
                        op.execute('CREATE TABLE "group" (id int PRIMARY KEY)')""")
                .revision("r2", "r1", """
                        op.alter_column("user", "x", nullable=False)
                        op.create_check_constraint("ck_group_id", "group", "id > 0")""");

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        List<JsonNode> findings = result.findings("r2", "constraint-validation");
        assertEquals(2, findings.size(), result.describe());
        String hints = findings.get(0).get("hint").asText() + "\n" + findings.get(1).get("hint").asText();
        assertTrue(hints.contains("ALTER TABLE \"user\" VALIDATE CONSTRAINT"), hints);
        assertTrue(hints.contains("ALTER TABLE \"group\" VALIDATE CONSTRAINT ck_group_id"), hints);
    }

    @Test
    void workOnATableRenamedEarlierInTheRevisionIsJudged() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, SCHEMA)
                .revision("r2", "r1", """
                        op.rename_table("b", "b2")
                        op.alter_column("b2", "x", nullable=False)
                        op.add_column("b2", sa.Column("parent_id", sa.Integer))
                        op.create_foreign_key("fk_b2_parent", "b2", "parent", ["parent_id"], ["id"])""");

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        List<JsonNode> findings = result.findings("r2", "constraint-validation");
        assertEquals(List.of("public.b2", "public.b2"), findings.stream().map(f -> f.get("table").asText()).toList(),
                result.describe());
        JsonNode renamed = result.finding("r2", "backward-incompatible");
        assertTrue(renamed.get("statement").asText().contains("RENAME"), renamed.toString());
    }

    @Test
    void aPrimaryKeyAddedAfterARewriteOfTheSameTableIsAnIndexBuild() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, """
                        op.execute('CREATE TABLE "user" (id int NOT NULL, v int)')""")
                .revision("r2", "r1", """
                        op.alter_column("user", "v", existing_type=sa.Integer(), type_=sa.BigInteger())
                        op.create_primary_key("user_pkey", "user", ["id"])""");

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        JsonNode build = result.finding("r2", "non-concurrent-index");
        assertTrue(build.get("statement").asText().contains("PRIMARY KEY"), build.toString());
        assertEquals("public.user", build.get("table").asText());
        assertTrue(result.errors("r2").contains("table-rewrite"), result.describe());
    }

    /** Patterns from real chains (CTFd, octavia, prefect): each finding cites the statement that did it. */
    @Test
    void eachFindingCitesTheStatementThatDidIt() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, SCHEMA + """

                        op.execute("CREATE TABLE teams (id int PRIMARY KEY, bracket text)")
                        op.execute("CREATE TABLE users (id int PRIMARY KEY, bracket text, tenant_id text)")""")
                .revision("r2", "r1", """
                        op.add_column("teams", sa.Column("parent_id", sa.Integer))
                        op.create_foreign_key(None, "teams", "parent", ["parent_id"], ["id"])
                        op.drop_column("teams", "bracket")
                        op.drop_column("users", "bracket")
                        op.alter_column("users", "tenant_id", new_column_name="project_id", nullable=True)
                        op.add_column("a", sa.Column("slug", sa.String))
                        op.execute("UPDATE a SET slug = 'x'")
                        op.alter_column("a", "slug", nullable=False)""");

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        List<JsonNode> scans = result.findings("r2", "constraint-validation");
        assertTrue(scans.stream().anyMatch(f -> f.get("table").asText().equals("public.teams")
                && f.get("statement").asText().contains("FOREIGN KEY")), result.describe());
        assertTrue(scans.stream().anyMatch(f -> f.get("table").asText().equals("public.a")
                && f.get("statement").asText().contains("SET NOT NULL")), result.describe());
        List<JsonNode> breaking = result.findings("r2", "backward-incompatible");
        assertTrue(breaking.stream().anyMatch(f -> f.get("table").asText().equals("public.users")
                && f.get("statement").asText().contains("users DROP COLUMN bracket")), result.describe());
        assertTrue(breaking.stream().anyMatch(f -> f.get("table").asText().equals("public.teams")
                && f.get("statement").asText().contains("teams DROP COLUMN bracket")), result.describe());
        assertTrue(breaking.stream().anyMatch(f -> f.get("statement").asText().contains("RENAME")), result.describe());
        assertTrue(breaking.stream().anyMatch(f -> f.get("message").asText().contains("set NOT NULL")
                && f.get("statement").asText().contains("SET NOT NULL")), result.describe());
    }

    private static List<String> tables(Result result, String revision, String rule) {
        return result.findings(revision, rule).stream().map(f -> f.get("table").asText()).sorted().toList();
    }
}
