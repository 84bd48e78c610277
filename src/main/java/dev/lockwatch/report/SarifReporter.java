package dev.lockwatch.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import dev.lockwatch.rules.FindingKind;
import dev.lockwatch.rules.FindingKinds;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * SARIF 2.1.0 for code-scanning uploads: one run, every finding kind as a rule, every finding as a result at
 * its revision file and line (relative to the repository root, {@code SRCROOT}). Suppressed findings carry a
 * SARIF suppression with their reason, so code scanning shows them as dismissed rather than hiding them.
 */
public final class SarifReporter implements Reporter {
    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final FindingKinds kinds;

    public SarifReporter(FindingKinds kinds) {
        this.kinds = kinds;
    }

    @Override
    public void write(VerifyReport report, Writer out) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("$schema", SCHEMA);
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "lockwatch");
        driver.put("version", Version.current());
        driver.put("semanticVersion", Version.current().matches("\\d+\\.\\d+\\.\\d+.*") ? Version.current() : "0.0.0");
        ArrayNode rules = driver.putArray("rules");
        List<FindingKind> all = kinds.all();
        all.forEach(kind -> rules.add(rule(kind)));
        Object rootUri = report.repositoryRoot() != null ? report.repositoryRoot() : report.project();
        run.putObject("originalUriBaseIds").putObject("SRCROOT").put("uri", rootUri(rootUri.toString()));
        ArrayNode results = run.putArray("results");
        for (Finding finding : report.chainFindings()) {
            results.add(result(report, finding, null, all));
        }
        for (RevisionResult revision : report.revisions()) {
            revision.shown().forEach(f -> results.add(result(report, f, revision.run().revision().id(), all)));
        }
        run.putArray("invocations").addObject().put("executionSuccessful", true);
        MAPPER.writeValue(new NonClosingWriter(out), root);
        out.write('\n');
    }

    private static ObjectNode rule(FindingKind kind) {
        ObjectNode rule = MAPPER.createObjectNode();
        rule.put("id", kind.name());
        rule.put("name", kind.name());
        rule.putObject("shortDescription").put("text", kind.summary());
        rule.putObject("fullDescription").put("text", kind.explanation());
        rule.putObject("help").put("text", kind.explanation());
        rule.putObject("defaultConfiguration").put("level", level(kind.defaultSeverity()));
        return rule;
    }

    private static ObjectNode result(VerifyReport report, Finding finding, String revision, List<FindingKind> kinds) {
        ObjectNode result = MAPPER.createObjectNode();
        result.put("ruleId", finding.rule().name());
        int index = kinds.stream().map(FindingKind::id).toList().indexOf(finding.rule());
        if (index >= 0) {
            result.put("ruleIndex", index);
        }
        result.put("level", level(finding.severity()));
        result.putObject("message").put("text", finding.message() + finding.hint().map(h -> "\nFix: " + h).orElse(""));
        finding.location().ifPresent(location -> {
            ObjectNode physical = result.putArray("locations").addObject().putObject("physicalLocation");
            ObjectNode artifact = physical.putObject("artifactLocation");
            artifact.put("uri", report.repositoryFile(location.file()));
            artifact.put("uriBaseId", "SRCROOT");
            if (location.line().isPresent() && location.line().getAsInt() > 0) {
                physical.putObject("region").put("startLine", location.line().getAsInt());
            }
        });
        finding.suppression().ifPresent(accepted -> {
            ObjectNode suppression = result.putArray("suppressions").addObject();
            suppression.put("kind", accepted.inSource() ? "inSource" : "external");
            suppression.put("status", "accepted");
            suppression.put("justification", accepted.reason());
        });
        ObjectNode properties = result.putObject("properties");
        if (revision != null) {
            properties.put("revision", revision);
        }
        properties.put("table", finding.table().map(TableRef::toString).orElse(null));
        properties.put("lock", finding.lock().map(LockMode::sqlName).orElse(null));
        properties.put("statement", finding.statement().orElse(null));
        return result;
    }

    private static String level(Severity severity) {
        return switch (severity) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case INFO -> "note";
        };
    }

    private static String rootUri(String path) {
        String uri = java.nio.file.Path.of(path).toUri().toString();
        return uri.endsWith("/") ? uri : uri + "/";
    }
}
