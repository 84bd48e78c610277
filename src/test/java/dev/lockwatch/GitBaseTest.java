package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.GitRepo;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --git-base on real git repositories made here: a main branch with shipped revisions, a feature branch that adds
 * (and sometimes edits) revision files.
 */
class GitBaseTest {
    @TempDir
    Path dir;

    private AlembicProject project;
    private GitRepo git;

    /** main: r1 (tables) and r2; then a feature branch. */
    private void mainThenFeatureBranch() {
        project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))")
                .revision("r2", "r1", "op.add_column('orders', sa.Column('note', sa.Text))");
        git = GitRepo.init(dir).commitAll("shipped: r1, r2").checkoutNewBranch("feature");
    }

    private static List<String> ids(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.get(field).asText()).toList();
    }

    @Test
    void verifiesOnlyTheRevisionsTheBranchAddedOnTopOfTheRestAsBaseline() {
        mainThenFeatureBranch();
        project.revision("r3", "r2", "op.create_index('ix_orders_n', 'orders', ['n'])");
        git.commitAll("feature: index");
        project.revision("r4", "r3", "op.add_column('orders', sa.Column('flag', sa.Boolean))"); // not committed yet

        Result result = Lockwatch.verifyFocused(project, "--git-base", "main");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode json = result.json();
        assertEquals("r2", json.get("baseline").asText());
        assertEquals(List.of("r3", "r4"), ids(json.get("revisions"), "revision"), "added revisions, in chain order");
        assertEquals(List.of("non-concurrent-index"), result.rules("r3"),
                "orders existed before the branch: a busy table");
        JsonNode gitJson = json.get("git");
        assertEquals("main", gitJson.get("base").asText());
        assertEquals(git.git("rev-parse", "main").strip(), gitJson.get("merge_base").asText());
        assertEquals(List.of("r3", "r4"), ids(gitJson.get("added"), "revision"));
        assertEquals(0, gitJson.get("modified").size());
        assertEquals(0, json.get("chain_findings").size());
    }

    @Test
    void editingAShippedRevisionIsAnErrorFindingWithItsFile() throws Exception {
        mainThenFeatureBranch();
        Path r2 = dir.resolve("migrations/versions/r2.py");
        Files.writeString(r2, Files.readString(r2).replace("'note', sa.Text", "'note', sa.String(200)"));
        project.revision("r3", "r2", "op.add_column('orders', sa.Column('flag', sa.Boolean))");
        git.commitAll("feature: edit r2, add r3");

        Result result = Lockwatch.verifyFocused(project, "--git-base", "main");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode chain = result.json().get("chain_findings");
        assertEquals(1, chain.size(), chain.toString());
        JsonNode edited = chain.get(0);
        assertEquals("edited-applied-revision", edited.get("rule").asText());
        assertEquals("error", edited.get("severity").asText());
        assertEquals("migrations/versions/r2.py", edited.get("file").asText());
        assertTrue(edited.get("message").asText().contains("revision r2"), edited.toString());
        assertEquals(List.of("r3"), ids(result.json().get("revisions"), "revision"));
        assertEquals(List.of(), result.rules("r3"));
    }

    @Test
    void aBranchWithoutNewRevisionsStartsNoServerAndPasses() throws Exception {
        mainThenFeatureBranch();
        Files.writeString(dir.resolve("README.md"), "not a migration\n");
        git.commitAll("feature: docs only");

        Result result = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--git-base", "main", "--format", "json");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(0, result.json().get("revisions").size());
        assertEquals("none", result.json().get("postgres").get("provider").asText());
        assertTrue(result.err().contains("this branch adds no revision file since main"), result.err());
        assertTrue(result.json().get("summary").get("passed").asBoolean());
    }

    @Test
    void notAGitRepositoryIsAOneLineUsageError() throws Exception {
        // test temp folders lie inside this checkout's work tree, so this one goes to /tmp
        Path outside = Files.createTempDirectory(Path.of("/tmp"), "lockwatch-no-git-");
        try {
            AlembicProject plain = AlembicProject.create(outside)
                    .revision("r1", null, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))");
            Result result = Lockwatch.runFocused("verify", "-c", plain.ini().toString(), "--git-base", "main");
            assertEquals(2, result.exitCode(), result.describe());
            assertEquals(1, result.err().strip().lines().count(), result.err());
            assertTrue(result.err().contains("is not inside a git repository"), result.err());
        } finally {
            try (var files = Files.walk(outside)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void badGitInputIsAOneLineUsageError() {

        mainThenFeatureBranch();
        Result unknownRef = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--git-base", "origin/nope");
        assertEquals(2, unknownRef.exitCode(), unknownRef.describe());
        assertEquals(1, unknownRef.err().strip().lines().count(), unknownRef.err());
        assertTrue(unknownRef.err().contains("--git-base origin/nope: git knows no commit named origin/nope"), unknownRef.err());

        Result withFrom = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--git-base", "main", "--from", "r1");
        assertEquals(2, withFrom.exitCode(), withFrom.describe());
        assertTrue(withFrom.err().contains("drop --from and --to"), withFrom.err());
    }
}
