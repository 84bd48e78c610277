package dev.lockwatch.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * The JSON report. Its field and rule names are a public contract: new fields may be added, none renamed.
 * Built field by field so that a refactoring of the model can never change the contract by accident.
 */
public final class JsonReporter implements Reporter {
    /** Bumped only for incompatible changes, which the contract forbids; additions keep it. */
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public void write(VerifyReport report, Writer out) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format_version", FORMAT_VERSION);
        root.put("tool", "lockwatch");
        root.put("tool_version", Version.current());
        ObjectNode postgres = root.putObject("postgres");
        postgres.put("provider", report.postgres().provider());
        postgres.put("server_version", report.postgres().version());
        postgres.put("major_version", report.postgres().majorVersion());
        postgres.put("detail", report.postgres().detail());
        postgres.put("capture", report.postgres().captureMode());
        root.put("baseline", report.baseline());
        ArrayNode revisions = root.putArray("revisions");
        for (RevisionResult result : report.revisions()) {
            revisions.add(revision(report, result));
        }
        ArrayNode chain = root.putArray("chain_findings");
        report.chainFindings().forEach(f -> chain.add(finding(f)));
        ObjectNode summary = root.putObject("summary");
        summary.put("revisions", report.revisions().size());
        summary.put("applied", report.count(RevisionStatus.APPLIED));
        summary.put("failed", report.count(RevisionStatus.FAILED));
        summary.put("not_run", report.count(RevisionStatus.NOT_RUN));
        summary.put("errors", report.count(Severity.ERROR));
        summary.put("warnings", report.count(Severity.WARNING));
        summary.put("infos", report.count(Severity.INFO));
        summary.put("passed", !report.hasErrors());
        MAPPER.writeValue(new NonClosingWriter(out), root);
        out.write('\n');
    }

    private static ObjectNode revision(VerifyReport report, RevisionResult result) {
        RevisionRun run = result.run();
        Revision revision = run.revision();
        ObjectNode node = MAPPER.createObjectNode();
        node.put("revision", revision.id());
        List<String> down = revision.downRevisions();
        if (down.isEmpty()) {
            node.putNull("down_revision");
        } else if (down.size() == 1) {
            node.put("down_revision", down.get(0));
        } else {
            ArrayNode merge = node.putArray("down_revision");
            down.forEach(merge::add);
        }
        ArrayNode depends = node.putArray("depends_on");
        revision.dependsOn().forEach(depends::add);
        node.put("file", report.relativeFile(revision));
        node.put("message", revision.message());
        node.put("status", run.status().label());
        node.put("duration_ms", run.durationMs());
        ArrayNode statements = node.putArray("statements");
        run.statements().forEach(s -> statements.add(statement(s)));
        ArrayNode findings = node.putArray("findings");
        result.findings().forEach(f -> findings.add(finding(f)));
        if (run.alembicError() != null) {
            node.put("error", run.alembicError());
        }
        node.set("downgrade", downgrade(run.downgrade()));
        return node;
    }

    private static ObjectNode downgrade(DowngradeCheck check) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("outcome", check.outcome().label());
        node.put("command", check.command());
        node.put("failed_step", check.failedStep() == null ? null : check.failedStep().words());
        node.put("detail", check.detail());
        ArrayNode differences = node.putArray("differences");
        check.differences().forEach(differences::add);
        ArrayNode again = node.putArray("upgrade_again_differences");
        check.upgradeAgainDifferences().forEach(again::add);
        node.put("chain_stopped", check.chainStopped());
        return node;
    }

    private static ObjectNode statement(Statement statement) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("sql", statement.sql());
        node.put("tag", statement.tag());
        node.put("duration_ms", statement.durationMs());
        node.put("transaction", statement.transaction());
        if (statement.lockTimeoutMs() == null) {
            node.putNull("lock_timeout");
        } else {
            node.put("lock_timeout", statement.lockTimeoutMs());
        }
        ArrayNode locks = node.putArray("locks");
        for (ObservedLock lock : statement.locks()) {
            ObjectNode l = locks.addObject();
            l.put("table", lock.table().toString());
            l.put("mode", lock.mode().sqlName());
            l.put("granted", lock.granted());
            l.put("busy", lock.busy());
            l.put("held_ms", lock.heldMs());
            l.put("blocks", lock.mode().impact());
            l.put("inferred", lock.inferred());
        }
        return node;
    }

    private static ObjectNode finding(Finding finding) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("rule", finding.rule());
        node.put("severity", finding.severity().label());
        node.put("table", finding.table());
        node.put("lock", finding.lock());
        node.put("statement", finding.statement());
        node.put("message", finding.message());
        node.put("hint", finding.hint());
        node.put("blocks", finding.blocks());
        node.put("held_ms", finding.heldMs());
        node.put("rows", finding.rows() == null ? null : finding.rows().value());
        node.put("rows_estimated", finding.rows() != null && !finding.rows().exact());
        return node;
    }

    /** Jackson closes the writer it is given; the caller owns {@code out}. */
    private static final class NonClosingWriter extends java.io.FilterWriter {
        NonClosingWriter(Writer out) {
            super(out);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
