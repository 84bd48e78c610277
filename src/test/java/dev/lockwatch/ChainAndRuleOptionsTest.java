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

/** multiple-heads, a chain-level finding, and --rule NAME=LEVEL, which sets any rule's severity or turns it off. */
class ChainAndRuleOptionsTest {
    private static final String TABLE = "op.create_table('t_%1$s', sa.Column('id', sa.Integer, primary_key=True))";

    @TempDir
    Path dir;

    private AlembicProject twoHeads() {
        AlembicProject project = AlembicProject.create(dir);
        for (String[] r : new String[][] {{"aaa111", null}, {"bbb222", "aaa111"}, {"ccc333", "aaa111"}}) {
            project.revision(r[0], r[1], TABLE.formatted(r[0]), "op.drop_table('t_" + r[0] + "')");
        }
        return project;
    }

    @Test
    void severalHeadsWithoutToAreAnErrorAndEveryBranchIsVerified() {
        Result result = Lockwatch.verify(twoHeads());

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.json().get("chain_findings").get(0);
        assertEquals("multiple-heads", finding.get("rule").asText());
        assertEquals("error", finding.get("severity").asText());
        assertTrue(finding.get("message").asText().contains("2 heads (bbb222, ccc333)"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("alembic merge"), finding.toString());
        assertEquals("applied", result.revision("bbb222").get("status").asText());
        assertEquals("applied", result.revision("ccc333").get("status").asText());
    }

    @Test
    void namingTheTargetChoosesABranch() {
        Result result = Lockwatch.verify(twoHeads(), "--to", "bbb222");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(0, result.json().get("chain_findings").size());
        assertEquals(2, result.json().get("revisions").size());
    }

    @Test
    void aRulesSeverityCanBeRaisedLoweredOrTurnedOff() {
        AlembicProject project = AlembicProject.shop(dir, "r1").revision("r2", "r1",
                "op.add_column('orders', sa.Column('status', sa.String(10)))", "op.drop_column('orders', 'status')");

        Result raised = Lockwatch.verify(project, "--from", "r1", "--rule", "missing-lock-timeout=error");
        assertEquals(1, raised.exitCode(), raised.describe());
        assertEquals(List.of("missing-lock-timeout"), raised.errors("r2"));

        Result off = Lockwatch.verify(project, "--from", "r1", "--rule", "missing-lock-timeout=off");
        assertEquals(List.of(), off.rules("r2"));

        Result heads = Lockwatch.verify(twoHeads(), "--rule", "multiple-heads=info");
        assertEquals(0, heads.exitCode(), heads.describe());
        assertEquals("info", heads.json().get("chain_findings").get(0).get("severity").asText());
    }

    @Test
    void anUnknownRuleOrLevelIsAUsageErrorThatListsTheChoices() {
        Result unknown = Lockwatch.verify(twoHeads(), "--rule", "no-such-rule=off");
        assertEquals(2, unknown.exitCode(), unknown.describe());
        assertTrue(unknown.err().contains("--rule no-such-rule: no such rule; the rules are ")
                && unknown.err().contains("table-rewrite") && unknown.err().contains("downgrade-incomplete"), unknown.err());

        Result level = Lockwatch.verify(twoHeads(), "--rule", "table-rewrite=fatal");
        assertEquals(2, level.exitCode(), level.describe());
        assertTrue(level.err().contains("fatal is not one of error, warning, info, off"), level.err());
        assertEquals("", level.out());
    }
}
