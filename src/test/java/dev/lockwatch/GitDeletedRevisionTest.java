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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --git-base learns a deleted revision file's id from its old text, read by alembic's loader, not by lockwatch. */
class GitDeletedRevisionTest {
    @TempDir
    Path dir;

    @Test
    void aDeletedShippedRevisionIsNamedByTheIdAlembicReadsFromItsOldText() throws Exception {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))");
        project.write("migrations/versions/old_head.py", """
                from alembic import op

                PARENT = u'r1'
                revision = u'0ld' + 'head'
                down_revision = PARENT


                def upgrade():
                    op.execute('SELECT 1')


                def downgrade():
                    pass
                """);
        GitRepo git = GitRepo.init(dir).commitAll("shipped: r1, 0ldhead").checkoutNewBranch("feature");
        Files.delete(dir.resolve("migrations/versions/old_head.py"));
        git.commitAll("feature: drop the old head");

        Result result = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--git-base", "main",
                "--format", "json");

        JsonNode chain = result.json().get("chain_findings");
        assertEquals(1, chain.size(), result.describe());
        assertEquals("edited-applied-revision", chain.get(0).get("rule").asText());
        assertTrue(chain.get(0).get("message").asText().contains("revision 0ldhead"), chain.toString());
        assertEquals(0, result.json().get("git").get("added").size());
    }
}
