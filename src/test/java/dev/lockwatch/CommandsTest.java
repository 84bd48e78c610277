package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import org.junit.jupiter.api.Test;

/** lockwatch --version and lockwatch explain. */
class CommandsTest {
    @Test
    void versionIsTheVersionMavenBuilt() {
        String expected = System.getProperty("lockwatch.expected.version");
        assertTrue(expected != null && !expected.isBlank(), "surefire passes the project version");
        Result result = Lockwatch.run("--version");
        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("lockwatch " + expected, result.out().strip());
    }

    @Test
    void explainNamesWhatARuleCatchesWhyItHurtsAndTheFix() {
        Result result = Lockwatch.run("explain", "non-concurrent-index");
        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(result.out().startsWith("non-concurrent-index (default severity: error)"), result.out());
        assertTrue(result.out().contains("every INSERT, UPDATE and DELETE"), result.out());
        assertTrue(result.out().contains("postgresql_concurrently=True"), result.out());
        assertTrue(result.out().contains("# lockwatch: ignore[non-concurrent-index] reason: ..."), result.out());
    }

    @Test
    void explainWithoutARuleListsThemAllAndAnUnknownRuleIsAUsageError() {
        Result all = Lockwatch.run("explain");
        assertEquals(0, all.exitCode(), all.describe());
        for (String rule : new String[] {"migration-failed", "non-concurrent-index", "edited-applied-revision",
                "suppression-without-reason", "unused-suppression", "invalid-suppression"}) {
            assertTrue(all.out().lines().anyMatch(l -> l.startsWith(rule + " ")), rule + " missing: " + all.out());
        }
        Result unknown = Lockwatch.run("explain", "fast-index");
        assertEquals(2, unknown.exitCode(), unknown.describe());
        assertTrue(unknown.err().startsWith("lockwatch: no rule is named fast-index; rules: migration-failed"), unknown.err());
    }
}
