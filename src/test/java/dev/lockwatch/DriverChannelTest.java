package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shared alembic driver answers lockwatch on a channel of its own: nothing a revision or its children print
 * can pass for an answer, and a driver that dies is a crash with its exit status, not a timeout.
 */
class DriverChannelTest {
    @TempDir
    Path dir;

    private AlembicProject shop() {
        return AlembicProject.shop(dir.resolve("project"), "r1");
    }

    @Test
    void aChildProcessPrintingToStdoutDoesNotEndTheRevision() {
        AlembicProject project = shop().revision("r2", "r1", """
                import subprocess, os
                subprocess.run(["echo", "backup done"], check=True)
                os.write(1, b'{"ok": false, "error": "forged"}\\n')
                subprocess.run(["sh", "-c", "echo '{\\"ok\\": true}' >&1; echo '{\\"ready\\": true}'"], check=True)
                op.add_column('orders', sa.Column('extra', sa.Text))
                """);

        Result result = Lockwatch.verifyFocused(project, "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("applied", result.revision("r2").get("status").asText(), result.describe());
        assertEquals(List.of("public.orders ACCESS EXCLUSIVE"), result.locks("r2"), result.describe());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "os._exit(7)                              | exit status 7",
            "os.kill(os.getpid(), signal.SIGKILL)     | killed by signal 9"})
    void aDriverThatDiesIsReportedAsACrashWithItsExitStatus(String death, String reported) {
        AlembicProject project = shop().revision("r2", "r1", "import os, signal\n" + death);

        Result result = Lockwatch.verifyFocused(project, "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        String error = result.revision("r2").get("error").asText();
        assertTrue(error.contains(reported), error);
        assertFalse(error.contains("--revision-timeout"), error);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aProcessARevisionLeftInTheBackgroundEndsWithTheRun(boolean processPerRevision) throws Exception {
        String marker = "417." + ProcessHandle.current().pid() + (processPerRevision ? "1" : "2");
        AlembicProject project = shop().revision("r2", "r1", """
                import subprocess
                subprocess.run(["sh", "-c", "sleep %s >/dev/null 2>&1 &"], check=True)
                op.add_column('orders', sa.Column('extra', sa.Text))
                """.formatted(marker));

        Result result = processPerRevision ? Lockwatch.verifyFocused(project, "--from", "r1", "--process-per-revision")
                : Lockwatch.verifyFocused(project, "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        List<ProcessHandle> left;
        do {
            left = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker)).toList();
        } while (!left.isEmpty() && System.nanoTime() < deadline);
        left.forEach(ProcessHandle::destroyForcibly);
        assertEquals(List.of(), left, "the revision's background process outlived the run");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void outputThatIsNotUtf8IsReadLenientlyAndBounded(boolean processPerRevision) {
        AlembicProject project = shop().revision("r2", "r1", """
                import os, sys
                os.write(1, b"caf\\xe9 \\xff\\xfe\\n")
                os.write(2, b"x" * (1 << 20) + b"\\n")
                raise RuntimeError("caf\\xe9 failed")
                """);

        Result result = processPerRevision ? Lockwatch.verifyFocused(project, "--from", "r1", "--process-per-revision")
                : Lockwatch.verifyFocused(project, "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        String error = result.revision("r2").get("error").asText();
        assertTrue(error.contains("RuntimeError: caf\u00e9 failed"), error);
        assertTrue(result.out().length() < 2_000_000, "the report carries a bounded part of the output");
    }
}
