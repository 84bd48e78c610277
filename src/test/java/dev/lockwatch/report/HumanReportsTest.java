package dev.lockwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The text and markdown reports of {@link ReportSample}, compared with golden files. After a deliberate change
 * of layout, rewrite them with {@code mvn test -Dtest=HumanReportsTest -Dgolden.update=true} and read the diff.
 */
class HumanReportsTest {
    private static final Path GOLDEN = Path.of("src/test/resources/dev/lockwatch/report");

    @Test
    void theTextReport() throws IOException {
        assertGolden("report.txt", new TextReporter(new Layout(false, 100, false)));
    }

    @Test
    void theVerboseTextReport() throws IOException {
        assertGolden("report-verbose.txt", new TextReporter(new Layout(false, 100, true)));
    }

    @Test
    void theMarkdownReport() throws IOException {
        assertGolden("report.md", new MarkdownReporter(false));
    }

    @Test
    void noLineIsWiderThanTheLayout() throws IOException {
        for (int width : new int[] {60, 80, 100, 140}) {
            StringWriter out = new StringWriter();
            new TextReporter(new Layout(false, width, false)).write(ReportSample.report(), out);
            String text = out.toString();
            text.lines().forEach(line -> assertTrue(line.length() <= width, width + " columns: " + line));
        }
    }

    @Test
    void aQuotedErrorKeepsItsPlaceWithIt() throws IOException {
        String text = write(new TextReporter());
        String block = text.substring(text.indexOf("ERROR [migration-failed]"));
        assertTrue(block.startsWith("ERROR [migration-failed]  line 15\n"), block);
        assertTrue(block.lines().limit(6).noneMatch(String::isBlank), "one block, no blank line: " + block);
    }

    @Test
    void theWidthComesFromColumns() {
        assertEquals(132, Layout.width(java.util.Map.of("COLUMNS", "132")));
        assertEquals(Layout.DEFAULT_WIDTH, Layout.width(java.util.Map.of()));
        assertEquals(Layout.DEFAULT_WIDTH, Layout.width(java.util.Map.of("COLUMNS", "wide")));
    }

    static void assertGolden(String name, Reporter reporter) throws IOException {
        String actual = write(reporter);
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update") || !Files.exists(file)) {
            Files.writeString(file, actual);
        }
        assertEquals(Files.readString(file), actual, name + " differs from its golden file");
    }

    private static String write(Reporter reporter) throws IOException {
        StringWriter out = new StringWriter();
        reporter.write(ReportSample.report(), out);
        return out.toString().replace("lockwatch " + Version.current() + ":", "lockwatch VERSION:")
                .replace("\"tool_version\" : \"" + Version.current() + "\"", "\"tool_version\" : \"VERSION\"");
    }
}
