package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * [tool.lockwatch] in pyproject.toml and lockwatch.toml: discovery, precedence against the command line, unknown
 * keys, allowances. Which file and value won is read from the error a bad --to gives, so most cases need no
 * database; one case runs for real.
 */
class SettingsTest {
    @TempDir
    Path dir;

    private AlembicProject project(Path root) {
        return AlembicProject.create(root)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))")
                .revision("r2", "r1", "op.create_index('ix_orders_n', 'orders', ['n'])");
    }

    private static Result verify(AlembicProject project, String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = "verify";
        args[1] = "-c";
        args[2] = project.ini().toString();
        args[3] = "--server-url=" + SharedPostgres.url();
        System.arraycopy(extra, 0, args, 4, extra.length);
        return Lockwatch.run(args);
    }

    private static void assertUsage(Result result, String... fragments) {
        assertEquals(2, result.exitCode(), result.describe());
        String last = result.err().strip().lines().reduce((a, b) -> b).orElse("");
        for (String fragment : fragments) {
            assertTrue(last.contains(fragment), "'" + fragment + "' missing from: " + result.err());
        }
    }

    @Test
    void commandLineFlagsOverrideTheFile() throws Exception {
        AlembicProject project = project(dir);
        Files.writeString(dir.resolve("pyproject.toml"), """
                [project]
                name = "service"

                [tool.lockwatch]
                to = "from-the-file"
                """);

        assertUsage(verify(project), "--to from-the-file is not a revision");
        assertUsage(verify(project, "--to", "from-the-flag"), "--to from-the-flag is not a revision");
    }

    @Test
    void aFlagOverridesTheKeysItExcludes() throws Exception {
        AlembicProject project = project(dir);
        Files.writeString(dir.resolve("lockwatch.toml"), "git-base = \"origin/main\"\n");

        // --from on the command line drops git-base from the file: no git is asked, --to decides
        assertUsage(verify(project, "--from", "r1", "--to", "nope"), "--to nope is not a revision");
    }

    @Test
    void lockwatchTomlBesideTheIniWinsOverPyproject() throws Exception {
        AlembicProject project = project(dir);
        Files.writeString(dir.resolve("pyproject.toml"), "[tool.lockwatch]\nto = \"from-pyproject\"\n");
        Files.writeString(dir.resolve("lockwatch.toml"), "to = \"from-lockwatch-toml\"\n");

        assertUsage(verify(project), "--to from-lockwatch-toml");
    }

    @Test
    void pyprojectIsFoundUpwardUntilTheRepositoryRoot() throws Exception {
        AlembicProject project = project(dir.resolve("repo/backend"));
        Files.writeString(dir.resolve("repo/pyproject.toml"), "[tool.lockwatch]\nto = \"from-the-repository-root\"\n");
        Files.writeString(dir.resolve("repo/backend/pyproject.toml"), "[project]\nname = \"no lockwatch table here\"\n");
        Files.writeString(dir.resolve("pyproject.toml"), "[tool.lockwatch]\nto = \"from-above-the-repository\"\n");
        Files.createDirectories(dir.resolve("repo/.git"));

        Result result = verify(project);
        assertUsage(result, "--to from-the-repository-root");
        assertTrue(result.err().contains("lockwatch: config: " + dir.resolve("repo/pyproject.toml") + " [tool.lockwatch]"),
                result.err());

        Files.delete(dir.resolve("repo/.git"));
        assertUsage(verify(project), "--to from-the-repository-root");
        Files.delete(dir.resolve("repo/pyproject.toml"));
        assertUsage(verify(project), "--to from-above-the-repository");
    }

    @Test
    void unknownKeysAndBadValuesNameTheKeyAndTheFile() throws Exception {
        AlembicProject project = project(dir);
        Path pyproject = dir.resolve("pyproject.toml");

        Files.writeString(pyproject, "[tool.lockwatch]\nbusy_tables = [\"orders\"]\n");
        assertUsage(verify(project), pyproject + " [tool.lockwatch]: unknown key 'busy_tables'", "did you mean 'busy-table'?");

        Files.writeString(pyproject, "[tool.lockwatch]\nconfig = \"other.ini\"\n");
        assertUsage(verify(project), "unknown key 'config'");

        Files.writeString(pyproject, "[tool.lockwatch]\nrevision-timeout = \"soon\"\n");
        assertUsage(verify(project), pyproject + " [tool.lockwatch]: ", "--revision-timeout", "soon");

        Files.writeString(pyproject, "[tool.lockwatch]\nfrom = [\"r1\", \"r2\"]\n");
        assertUsage(verify(project), "key 'from' takes one value, not a list");

        Files.writeString(pyproject, "[tool.lockwatch]\nallow = [{ rule = \"non-concurrent-index\", table = \"orders\" }]\n");
        assertUsage(verify(project), "allow[0] has no reason");

        Files.writeString(pyproject, "[tool.lockwatch]\nallow = [{ rule = \"no-such-rule\", table = \"orders\", reason = \"x\" }]\n");
        assertUsage(verify(project), "names rule 'no-such-rule', which does not exist");

        Files.writeString(pyproject, "[tool.lockwatch\n");
        assertUsage(verify(project), pyproject + " is not valid TOML");
    }

    @Test
    void aRealRunTakesOptionsAllowancesAndReportPathsFromTheFile() throws Exception {
        AlembicProject project = project(dir.resolve("service"))
                .revision("r3", "r2", "op.add_column('orders', sa.Column('note', sa.Text))");
        Files.writeString(dir.resolve("service/pyproject.toml"), """
                [tool.lockwatch]
                from = "r1"
                busy-table = ["public.orders", "orders"]
                report = { markdown = "out/comment.md" }

                [[tool.lockwatch.allow]]
                rule = "non-concurrent-index"
                table = "orders"
                reason = "orders is a 40-row lookup table"

                [[tool.lockwatch.allow]]
                rule = ["non-concurrent-index"]
                revision = "r3"
                reason = "r3 is expected to build an index"
                """);

        Result result = verify(project, "--format", "json");

        assertEquals(0, result.exitCode(), "the allowance suppresses the only error: " + result.describe());
        JsonNode json = result.json();
        assertEquals("r1", json.get("baseline").asText());
        JsonNode finding = result.revision("r2").get("findings").get(0);
        assertTrue(finding.get("suppressed").asBoolean(), finding.toString());
        assertEquals("orders is a 40-row lookup table", finding.get("suppression_reason").asText());
        assertEquals("pyproject.toml [tool.lockwatch] allow[0]", finding.get("suppressed_by").asText());
        JsonNode unused = json.get("chain_findings").get(0);
        assertEquals("unused-suppression", unused.get("rule").asText(), "r3 ran and built no index");
        assertEquals("pyproject.toml", unused.get("file").asText());
        assertTrue(Files.readString(dir.resolve("service/out/comment.md")).startsWith("<!-- lockwatch-report -->"),
                "report paths in the file are relative to the file's folder");
    }
}
