package dev.lockwatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RuleId;
import dev.lockwatch.model.ServerInfo;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Suppression;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** GitLab Code Quality issues: the fields GitLab reads, stable fingerprints, suppressed findings left out. */
class CodequalityReporterTest {
    private static final Path REPO = Path.of("/repo");
    private static final Path FILE = REPO.resolve("service/migrations/versions/r2_index.py");

    @Test
    void oneIssuePerUnsuppressedFindingWithGitlabsFields() throws Exception {
        JsonNode issues = write(report("held 31 ms"));

        assertEquals(3, issues.size(), issues.toPrettyString());
        JsonNode index = issues.get(1);
        assertEquals("non-concurrent-index", index.get("check_name").asText());
        assertEquals("critical", index.get("severity").asText());
        assertEquals("CREATE INDEX took SHARE, held 31 ms Fix: use CONCURRENTLY", index.get("description").asText());
        assertEquals("service/migrations/versions/r2_index.py", index.get("location").get("path").asText());
        assertEquals(12, index.get("location").get("lines").get("begin").asInt());
        assertEquals("major", issues.get(2).get("severity").asText());
        assertEquals("service/migrations/versions/r2_index.py", issues.get(2).get("location").get("path").asText(),
                "a finding not located in the file points at its revision's file");
        assertEquals(1, issues.get(2).get("location").get("lines").get("begin").asInt());
        assertEquals("service/alembic.ini", issues.get(0).get("location").get("path").asText(), "a chain finding");
    }

    @Test
    void fingerprintsAreStableAcrossRunsAndUniqueWithinOne() throws Exception {
        JsonNode first = write(report("held 31 ms"));
        JsonNode second = write(report("held 58 ms"));

        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).get("fingerprint"), second.get(i).get("fingerprint"), "hold times vary, the finding is the same");
        }
        assertNotEquals(first.get(0).get("fingerprint"), first.get(1).get("fingerprint"));
        assertEquals(64, first.get(0).get("fingerprint").asText().length());
    }

    private static JsonNode write(VerifyReport report) throws Exception {
        StringWriter out = new StringWriter();
        new CodequalityReporter().write(report, out);
        return new ObjectMapper().readTree(out.toString());
    }

    private static VerifyReport report(String held) {
        Revision revision = new Revision("r2", List.of("r1"), List.of(), List.of(), FILE, "index");
        RevisionRun run = RevisionRun.notRun(revision);
        Finding index = new Finding(new RuleId("non-concurrent-index"), Severity.ERROR, Optional.of(TableRef.parse("public.orders")),
                Optional.of(LockMode.SHARE), Optional.of("CREATE INDEX ix ON orders (n)"), "CREATE INDEX took SHARE, " + held,
                Optional.of("use CONCURRENTLY"), OptionalLong.empty(), Optional.empty()).at(new SourceLocation(FILE, 12));
        Finding timeout = new Finding(new RuleId("missing-lock-timeout"), Severity.WARNING, Optional.empty(), "no lock_timeout",
                Optional.empty());
        Finding accepted = index.suppressedBy(new Suppression("audit holds 40 rows", "comment", true));
        Finding heads = new Finding(new RuleId("multiple-heads"), Severity.ERROR, Optional.empty(), "two heads", Optional.empty());
        return new VerifyReport(REPO.resolve("service"), new ServerInfo("embedded", "16.4", 16, "", "deterministic"), "r1",
                List.of(new RevisionResult(run, List.of(index, timeout, accepted))), List.of(heads), null, REPO, null);
    }
}
