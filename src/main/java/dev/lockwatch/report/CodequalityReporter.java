package dev.lockwatch.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalInt;

/**
 * GitLab's Code Quality report (artifacts:reports:codequality): a JSON array with one issue per unsuppressed
 * finding, which GitLab shows in the merge request's widget and on its diff. Files are relative to the repository
 * root, as GitLab expects. The fingerprint names a finding across runs (rule, file, revision, table, statement;
 * not the message, whose hold times vary), so GitLab tells new findings from fixed ones.
 */
public final class CodequalityReporter implements Reporter {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public void write(VerifyReport report, Writer out) throws IOException {
        ArrayNode issues = MAPPER.createArrayNode();
        Map<String, Integer> seen = new HashMap<>();
        // chain findings name no revision: they point at the project's alembic.ini
        String ini = report.repositoryFile(report.project().resolve("alembic.ini"));
        for (Finding finding : report.chainFindings()) {
            add(issues, seen, report, finding, null, ini);
        }
        for (RevisionResult result : report.revisions()) {
            Revision revision = result.run().revision();
            for (Finding finding : result.findings()) {
                add(issues, seen, report, finding, revision.id(), report.repositoryFile(revision.file()));
            }
        }
        MAPPER.writeValue(new NonClosingWriter(out), issues);
        out.write(System.lineSeparator());
    }

    private static void add(ArrayNode issues, Map<String, Integer> seen, VerifyReport report, Finding finding,
                            String revision, String fallbackPath) {
        if (finding.suppressed()) {
            return; // reviewed and accepted: the other reports list it, the merge request need not
        }
        String path = finding.location().map(l -> report.repositoryFile(l.file())).orElse(fallbackPath);
        int line = finding.location().map(SourceLocation::line).orElse(OptionalInt.empty()).orElse(1);
        // "null" for an absent table or statement, as the first reports spelt it: fingerprints stay stable
        String identity = String.join("\u0000", finding.rule().name(), path, String.valueOf(revision),
                finding.table().map(TableRef::toString).orElse("null"), finding.statement().orElse("null"));
        int occurrence = seen.merge(identity, 1, Integer::sum); // the same statement twice stays two issues
        ObjectNode issue = issues.addObject();
        issue.put("description", finding.message() + finding.hint().map(h -> " Fix: " + h).orElse(""));
        issue.put("check_name", finding.rule().name());
        issue.put("fingerprint", sha256(identity + "\u0000" + occurrence));
        issue.put("severity", switch (finding.severity()) {
            case ERROR -> "critical";
            case WARNING -> "major";
            case INFO -> "info";
        });
        ObjectNode location = issue.putObject("location");
        location.put("path", path);
        location.putObject("lines").put("begin", line);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }
}
