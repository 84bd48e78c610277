package dev.lockwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lockwatch.config.PostgresChoice;
import dev.lockwatch.config.RuleLevel;
import dev.lockwatch.report.ReportFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** verify's options as picocli types them, and the one-line messages for values it cannot. */
class VerifyOptionsTest {
    @Test
    void optionsArriveTyped() {
        VerifyCommand verify = parse("--postgres", "Embedded", "--format", "json", "--rule", "table-rewrite=warning",
                "--rule", " missing-lock-timeout = OFF", "--report", "sarif=out/l.sarif", "--from", "r1");

        assertEquals(PostgresChoice.EMBEDDED, verify.server.postgres);
        assertEquals(ReportFormat.JSON, verify.reports.format);
        assertEquals(Map.of("table-rewrite", RuleLevel.WARNING, "missing-lock-timeout", RuleLevel.OFF), verify.rules);
        assertEquals(List.of(new ReportTarget(ReportFormat.SARIF, Path.of("out/l.sarif"))), verify.reports.reports);
        assertEquals("r1", verify.range.from());
        assertNull(verify.range.to());
        assertNull(verify.range.gitBase());
    }

    @Test
    void defaultsHoldWithoutTheOptions() {
        VerifyCommand verify = parse();

        assertEquals(PostgresChoice.AUTO, verify.server.postgres);
        assertEquals(ReportFormat.TEXT, verify.reports.format);
        assertEquals("postgres:16", verify.server.image());
        assertNull(verify.range, "picocli leaves an unmatched group null; VerifyCommand uses the defaults then");
        assertEquals("base", new RevisionRange().from());
    }

    @Test
    void badValuesAreLockwatchsOneLineMessages() {
        assertEquals("--postgres docker is not one of auto, embedded, container", message("--postgres", "docker"));
        assertEquals("--rule fatal is not one of error, warning, info, off", message("--rule", "table-rewrite=fatal"));
        assertEquals("--rule takes NAME=LEVEL, e.g. --rule missing-lock-timeout=error", message("--rule", "table-rewrite"));
        assertEquals(RevisionRange.CONFLICT, message("--git-base", "main", "--to", "r2"));
        assertEquals(RevisionRange.CONFLICT, message("--from", "r1", "--git-base", "main"));
    }

    private static VerifyCommand parse(String... args) {
        CommandLine commandLine = new CommandLine(new VerifyCommand());
        commandLine.parseArgs(args);
        return commandLine.getCommand();
    }

    private static String message(String... args) {
        return LockwatchCommand.message(assertThrows(CommandLine.ParameterException.class, () -> parse(args)));
    }
}
