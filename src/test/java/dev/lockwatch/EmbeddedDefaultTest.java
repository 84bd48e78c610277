package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.Leftovers;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's main command: the bundled example project on the embedded default, nothing left behind. */
class EmbeddedDefaultTest {
    private static final Path EXAMPLE = Path.of("src/example/alembic.ini");

    @Test
    void theBundledExampleRunsOnEmbeddedPostgresAndReportsItsOutage() {
        Leftovers before = Leftovers.now();

        Result result = Lockwatch.run("verify", "-c", EXAMPLE.toString(), "--from", "a1f3c2d4e5b6",
                "--postgres", "embedded", "--format", "json");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode postgres = result.json().get("postgres");
        assertEquals("embedded", postgres.get("provider").asText());
        assertTrue(postgres.get("server_version").asText().startsWith("16."), postgres.toString());
        assertEquals("deterministic", postgres.get("capture").asText());
        assertEquals(List.of("non-concurrent-index", "missing-lock-timeout"), result.rules("b2e4d3c5f6a7"));
        assertEquals(List.of(), result.rules("c3a5e4d6b7c8"), "concurrent, and drops a failed build's remnant first");
        // the example's env.py commits each revision (transaction_per_migration): no lock outlives its revision
        assertEquals(List.of("non-concurrent-index"), result.rules("d4b6f5e7c8d9"));
        assertEquals(List.of(), result.rules("e5c7b6d8e9f0"), "NOT VALID");
        assertEquals(List.of(), result.rules("f6d8c7e9f0a1"), "VALIDATE after the ADD committed");
        assertEquals(List.of("table-rewrite"), result.rules("a7e9d8f0a1b2"));
        for (JsonNode revision : result.json().get("revisions")) {
            assertEquals("passed", revision.get("downgrade").get("outcome").asText(), revision.get("revision").asText());
        }
        assertEquals(3000L, result.revision("d4b6f5e7c8d9").get("statements").get(0).get("lock_timeout").asLong());
        assertTrue(result.err().contains("embedded PostgreSQL 16"), "says which Postgres it used: " + result.err());
        before.assertNothingNew();
    }

    @Test
    void theTextReportOpensAndEndsWithTheVerdictAndWhatFails() {
        Result result = Lockwatch.run("verify", "-c", EXAMPLE.toString(), "--from", "a1f3c2d4e5b6", "--postgres", "embedded");

        assertEquals(1, result.exitCode(), result.describe());
        List<String> lines = result.out().lines().toList();
        assertTrue(lines.get(0).contains("FAILED: 3 error(s), 1 warning(s) in 6 revision(s)"), result.out());
        assertEquals(2, lines.stream().filter(l -> l.startsWith("What fails: 3 error(s) in 3 revision(s)")).count(), result.out());
        for (String row : List.of("b2e4d3c5f6a7  non-concurrent-index  public.orders", "d4b6f5e7c8d9  non-concurrent-index  public.customers",
                "a7e9d8f0a1b2  table-rewrite         public.orders")) {
            assertEquals(2, lines.stream().filter(l -> l.contains(row)).count(), row + " first and last: " + result.out());
        }
        assertTrue(result.out().contains("FAILED: 6 revision(s): 6 applied"), result.out());
        // the last row, then at most its why's continuation under the why column
        List<String> rows = lines.stream().filter(l -> !l.startsWith(" ".repeat(20))).toList();
        assertTrue(rows.get(rows.size() - 1).contains("a7e9d8f0a1b2"), "ends with what fails: " + result.out());
        assertTrue(result.out().contains("ok        3: c3a5e4d6b7c8, e5c7b6d8e9f0, f6d8c7e9f0a1"), result.out());
    }

    @Test
    void verboseListsEveryLockOfEveryStatement() {
        Result result = Lockwatch.run("verify", "-c", EXAMPLE.toString(), "--from", "a1f3c2d4e5b6", "--postgres", "embedded",
                "--verbose");

        assertEquals(1, result.exitCode(), result.describe());
        assertTrue(result.out().contains("ROW SHARE") && result.out().contains("SHARE ROW EXCLUSIVE"), result.out());
        assertTrue(result.out().contains("[table-rewrite]") && result.out().contains("downgrade round trip passed"), result.out());
        assertTrue(result.out().contains("ok        c3a5e4d6b7c8"), result.out());
    }
}
