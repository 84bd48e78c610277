package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Suppression comments with and without reasons, end to end on real alembic and Postgres. */
class SuppressionTest {
    private static final String TABLES = """
            op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('a', sa.Integer),
                            sa.Column('b', sa.Integer), sa.Column('c', sa.Integer), sa.Column('d', sa.Integer))
            """;

    @TempDir
    Path dir;

    private static JsonNode finding(Result result, String revision, String rule) {
        for (JsonNode finding : result.revision(revision).get("findings")) {
            if (finding.get("rule").asText().equals(rule)) {
                return finding;
            }
        }
        throw new AssertionError("no " + rule + " in " + revision + ": " + result.revision(revision));
    }

    @Test
    void reasonedSuppressionsAboveOnTheCallOrForTheFileSuppressAndTheRunPasses() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, TABLES)
                .revision("r2", "r1", """
                        # lockwatch: ignore[non-concurrent-index] reason: orders holds 40 rows
                        op.create_index('ix_a', 'orders',
                                        ['a'])
                        """)
                .revision("r3", "r2", """
                        op.create_index(
                            'ix_b', 'orders', ['b'],
                        )  # lockwatch: ignore[non-concurrent-index, table-rewrite] reason: maintenance window
                        """)
                .write("migrations/versions/r4.py", """
                        # lockwatch: ignore[non-concurrent-index, lock-held-across-statements] reason: backfill revision, runs in the maintenance window
                        \"\"\"whole-file suppression\"\"\"
                        from alembic import op

                        revision = 'r4'
                        down_revision = 'r3'


                        def upgrade():
                            op.create_index('ix_c', 'orders', ['c'])
                            op.create_index('ix_d', 'orders', ['d'])
                        """);

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check", "--rule", "missing-lock-timeout=off");

        assertEquals(0, result.exitCode(), "suppressed findings do not fail the run: " + result.describe());
        JsonNode above = finding(result, "r2", "non-concurrent-index");
        assertTrue(above.get("suppressed").asBoolean(), above.toString());
        assertEquals("orders holds 40 rows", above.get("suppression_reason").asText());
        assertEquals("migrations/versions/r2.py:" + (above.get("line").asInt() - 1), above.get("suppressed_by").asText(),
                "the comment on the line above the call");
        JsonNode onCall = finding(result, "r3", "non-concurrent-index");
        assertTrue(onCall.get("suppressed").asBoolean(), "a trailing comment on the call's last line covers it: " + onCall);
        assertEquals("maintenance window", onCall.get("suppression_reason").asText());
        // deployed together, r4's builds run under the SHARE r2's build took: whose lock the transaction kept through
        // them is r2's story (lock-held-across-revisions), not r4's
        assertEquals(2, result.revision("r4").get("findings").size(), result.revision("r4").get("findings").toString());
        for (JsonNode f : result.revision("r4").get("findings")) {
            assertTrue(f.get("suppressed").asBoolean(), f.toString());
            assertEquals("migrations/versions/r4.py:1", f.get("suppressed_by").asText());
        }
        assertEquals("lock-held-across-revisions", finding(result, "r2", "lock-held-across-revisions").get("rule").asText());
        assertEquals(4, result.json().get("summary").get("suppressed").asInt());
        assertEquals(0, result.json().get("summary").get("errors").asInt());
        assertTrue(result.json().get("summary").get("passed").asBoolean());
    }

    @Test
    void suppressionsWithoutReasonMisspeltOrUnreadableAreFindingsAndSuppressNothing() {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null, TABLES)
                .revision("r2", "r1", """
                        op.create_index('ix_a', 'orders', ['a'])  # lockwatch: ignore[non-concurrent-index]
                        """)
                .revision("r3", "r2", """
                        # lockwatch: ignore[non-concurent-index] reason: typo in the rule name
                        op.create_index('ix_b', 'orders', ['b'])
                        """)
                .revision("r4", "r3", """
                        # lockwatch: ignroe[non-concurrent-index] reason: typo in ignore
                        op.create_index('ix_c', 'orders', ['c'])
                        """)
                .revision("r5", "r4", """
                        # lockwatch: ignore[non-concurrent-index] reason: nothing here builds an index any more
                        op.add_column('orders', sa.Column('e', sa.Integer))
                        """);

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check", "--rule", "missing-lock-timeout=off");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode noReason = finding(result, "r2", "suppression-without-reason");
        assertEquals("error", noReason.get("severity").asText());
        assertEquals(finding(result, "r2", "non-concurrent-index").get("line"), noReason.get("line"));
        assertFalse(finding(result, "r2", "non-concurrent-index").get("suppressed").asBoolean(),
                "a suppression without a reason suppresses nothing");

        JsonNode misspelt = finding(result, "r3", "unused-suppression");
        assertEquals("warning", misspelt.get("severity").asText());
        assertTrue(misspelt.get("message").asText().contains("no rule is named non-concurent-index"), misspelt.toString());
        assertFalse(finding(result, "r3", "non-concurrent-index").get("suppressed").asBoolean());

        JsonNode unreadable = finding(result, "r4", "invalid-suppression");
        assertEquals("error", unreadable.get("severity").asText());
        assertTrue(unreadable.get("message").asText().contains("ignroe"), unreadable.toString());

        assertEquals(List.of("unused-suppression"), result.rules("r5"));
        assertEquals("warning", result.revision("r5").get("findings").get(0).get("severity").asText());
    }
}
