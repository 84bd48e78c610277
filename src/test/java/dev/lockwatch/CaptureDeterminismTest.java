package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On empty tables every lock lives for microseconds, too briefly for sampling. 100 revisions out of 100 must
 * still report every lock with its mode and the statement that took it, in a transaction and in an
 * autocommit block, including statements no trigger pauses (LOCK TABLE, REINDEX), named with their lines.
 */
class CaptureDeterminismTest {
    private static final int REVISIONS = 100;

    @TempDir
    Path dir;

    @Test
    void everyLockOnEmptyTablesIsReportedWithItsStatementInEveryRevision() {
        StringBuilder tables = new StringBuilder();
        for (int t = 0; t < 6; t++) {
            tables.append("op.create_table('t").append(t).append("', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))\n");
        }
        tables.append("op.create_index('ix_t5_n', 't5', ['n'])\n");
        AlembicProject project = AlembicProject.create(dir).revision("r000", null, tables.toString());
        for (int i = 1; i <= REVISIONS; i++) {
            project.revision(String.format("r%03d", i), String.format("r%03d", i - 1), """
                    op.add_column('t0', sa.Column('c%1$d', sa.Integer))
                    op.execute("UPDATE t1 SET n = n + 1")
                    op.execute("LOCK TABLE t3 IN SHARE ROW EXCLUSIVE MODE")
                    op.execute("REINDEX TABLE t5")
                    op.create_index('ix_t2_%1$d', 't2', ['n'])
                    with op.get_context().autocommit_block():
                        op.create_index('ix_t4_%1$d', 't4', ['n'], postgresql_concurrently=True)
                    """.formatted(i));
        }

        Result result = Lockwatch.verify(project, "--from", "r000", "--no-downgrade-check"); // capture, not downgrades

        assertEquals(REVISIONS, result.json().get("summary").get("applied").asInt(), result.describe());
        List<String> misses = new ArrayList<>();
        for (JsonNode revision : result.json().get("revisions")) {
            Map<String, String> seen = new TreeMap<>(); // "table MODE" -> statement tag
            for (JsonNode statement : revision.get("statements")) {
                for (JsonNode lock : statement.get("locks")) {
                    if (lock.get("mode").asText().equals("ACCESS SHARE")) {
                        continue; // reads of the catalog and planner look-ups: real, but not what this test is about
                    }
                    seen.put(lock.get("table").asText() + " " + lock.get("mode").asText(), statement.get("tag").asText()
                            + (statement.get("sql").asText().contains("CONCURRENTLY") ? " CONCURRENTLY" : ""));
                }
            }
            Map<String, String> expected = new TreeMap<>(Map.of(
                    "public.t0 ACCESS EXCLUSIVE", "ALTER TABLE",
                    "public.t1 ROW EXCLUSIVE", "UPDATE",
                    "public.t2 SHARE", "CREATE INDEX",
                    "public.t4 SHARE UPDATE EXCLUSIVE", "CREATE INDEX CONCURRENTLY",
                    "public.t5 SHARE", "REINDEX"));
            expected.put("public.t3 SHARE ROW EXCLUSIVE", "LOCK TABLE");
            // no trigger pauses LOCK TABLE (nor REINDEX before PostgreSQL 17): the session's own report after each
            // names it with its line, where polling would see it only by chance
            boolean named = java.util.stream.StreamSupport.stream(revision.get("statements").spliterator(), false)
                    .filter(st -> st.get("sql").asText().startsWith("LOCK TABLE t3") || st.get("sql").asText().equals("REINDEX TABLE t5"))
                    .filter(st -> st.get("line").isInt())
                    .count() == 2;
            if (!seen.equals(expected) || !named) {
                misses.add(revision.get("revision").asText() + ": " + seen + "\n" + revision.get("statements"));
            }
        }
        assertTrue(misses.isEmpty(), misses.size() + " of " + REVISIONS + " revisions missed a lock:\n" + String.join("\n", misses));
    }
}
