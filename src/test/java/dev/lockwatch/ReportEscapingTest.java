package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A revision's message or output with ESC or BEL reaches no report raw: the JUnit XML stays valid. */
class ReportEscapingTest {
    @TempDir
    Path dir;

    @Test
    void controlCharactersInARevisionAreEscapedInEveryReport() throws Exception {
        AlembicProject project = AlembicProject.shop(dir.resolve("project"), "r1")
                .revision("r2", "r1", "raise RuntimeException('boom')");
        Path file = project.root().resolve("migrations/versions/r2.py");
        Files.writeString(file, Files.readString(file).replace("\"\"\"revision r2", "\"\"\"revision \u001b[2J\u0007r2")
                .replace("'boom'", "'boom \\x1b]0;owned\\x07'"));
        Path out = dir.resolve("out");

        Result result = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--from", "r1", "--server-url",
                SharedPostgres.url(), "--format", "text", "--report", "junit=" + out.resolve("junit.xml"),
                "--report", "markdown=" + out.resolve("report.md"), "--report", "github=" + out.resolve("github.txt"),
                "--report", "json=" + out.resolve("report.json"));

        assertEquals(1, result.exitCode(), result.describe());
        assertFalse(result.out().contains("\u001b") || result.out().contains("\u0007"), result.out());
        assertTrue(result.out().contains("\\x1b"), result.out());
        byte[] junit = Files.readAllBytes(out.resolve("junit.xml"));
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(junit));
        for (String name : new String[] {"junit.xml", "report.md", "github.txt", "report.json"}) {
            String written = Files.readString(out.resolve(name), StandardCharsets.UTF_8);
            assertFalse(written.contains("\u001b") || written.contains("\u0007"), name + ": " + written);
        }
    }
}
