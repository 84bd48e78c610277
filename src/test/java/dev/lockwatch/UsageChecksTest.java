package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values lockwatch cannot honour are a usage error (exit 2) on one line, never a stack trace or a silent pass. */
class UsageChecksTest {
    @TempDir
    Path dir;

    private AlembicProject shop() {
        return AlembicProject.shop(dir.resolve("project"), "r1")
                .revision("r2", "r1", "op.add_column('orders', sa.Column('extra', sa.Text))");
    }

    private static void assertUsageError(Result result, String... fragments) {
        assertEquals(2, result.exitCode(), result.describe());
        List<String> lines = result.err().strip().lines().filter(l -> !l.matches("lockwatch: (postgres|baseline|config): .*"))
                .toList();
        assertEquals(1, lines.size(), "one line, not a stack trace: " + result.err());
        for (String fragment : fragments) {
            assertTrue(lines.get(0).contains(fragment), "'" + fragment + "' missing from: " + lines.get(0));
        }
    }

    @Test
    void aBusyTableThatDoesNotExistIsAUsageErrorWithASuggestion() throws Exception {
        Result result = Lockwatch.verify(shop(), "--from", "r1", "--busy-table", "public.order");

        assertUsageError(result, "--busy-table public.order", "did you mean public.orders?");
        assertEquals(List.of(), SharedPostgres.scratchDatabases());
    }

    @Test
    void aRevisionTimeoutBeyondRangeIsAUsageError() {
        Path ini = shop().ini();
        assertUsageError(Lockwatch.run("verify", "-c", ini.toString(), "--revision-timeout", "9223372036854775807"),
                "--revision-timeout");
        assertUsageError(Lockwatch.run("verify", "-c", ini.toString(), "--revision-timeout", "99999999999999999999"),
                "--revision-timeout");
        assertUsageError(Lockwatch.run("verify", "-c", ini.toString(), "--long-transaction", "9223372036854775807min"),
                "--long-transaction");
    }

    @Test
    void twoReportsOnStandardOutputOrOnOnePathAreAUsageError() {
        Path ini = shop().ini();
        assertUsageError(Lockwatch.run("verify", "-c", ini.toString(), "--report", "json=-", "--report", "sarif=-"),
                "standard output");
        assertUsageError(Lockwatch.run("verify", "-c", ini.toString(), "--format", "json", "--report", "sarif=-"),
                "standard output");
        Path out = dir.resolve("out.json");
        assertUsageError(Lockwatch.run("verify", "-c", ini.toString(), "--output", out.toString(),
                "--report", "sarif=" + dir.resolve("x/../out.json")), out.toString());
    }
}
