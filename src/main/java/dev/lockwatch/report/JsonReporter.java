package dev.lockwatch.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockwatch.model.BaselineData;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.LockWait;
import dev.lockwatch.model.TableTraffic;
import dev.lockwatch.model.TrafficObservation;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionChange;
import dev.lockwatch.model.RevisionResult;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.RowCount;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.Suppression;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.VerifyReport;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

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
        if (report.data() != null) {
            root.set("data", data(report.data()));
        }
        git(report, root);
        ArrayNode revisions = root.putArray("revisions");
        for (RevisionResult result : report.revisions()) {
            revisions.add(revision(report, result));
        }
        ArrayNode chain = root.putArray("chain_findings");
        report.chainFindings().forEach(f -> chain.add(finding(report, f)));
        ObjectNode summary = root.putObject("summary");
        summary.put("revisions", report.revisions().size());
        summary.put("applied", report.count(RevisionStatus.APPLIED));
        summary.put("failed", report.count(RevisionStatus.FAILED));
        summary.put("not_run", report.count(RevisionStatus.NOT_RUN));
        summary.put("errors", report.count(Severity.ERROR));
        summary.put("warnings", report.count(Severity.WARNING));
        summary.put("infos", report.count(Severity.INFO));
        summary.put("suppressed", report.suppressedCount());
        summary.put("passed", !report.hasErrors());
        MAPPER.writeValue(new NonClosingWriter(out), root);
        out.write('\n');
    }

    /** How --git-base chose the revisions: null without it. */
    private static void git(VerifyReport report, ObjectNode root) {
        if (report.git() == null) {
            root.putNull("git");
            return;
        }
        ObjectNode git = root.putObject("git");
        git.put("base", report.git().ref());
        git.put("merge_base", report.git().mergeBase());
        for (RevisionChange.Kind kind : RevisionChange.Kind.values()) {
            ArrayNode changes = git.putArray(kind.name().toLowerCase(java.util.Locale.ROOT));
            for (RevisionChange change : report.git().changes(kind)) {
                ObjectNode node = changes.addObject();
                node.put("revision", change.revision());
                node.put("file", report.relativeFile(change.file()));
            }
        }
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
        run.statements().forEach(s -> statements.add(statement(report, s)));
        ArrayNode findings = node.putArray("findings");
        result.findings().forEach(f -> findings.add(finding(report, f)));
        if (run.alembicError() != null) {
            node.put("error", run.alembicError());
        }
        if (run.traffic() != null) {
            node.set("traffic", traffic(run.traffic()));
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
        node.put("chain_stopped", false); // kept for the contract: the round trip no longer stops the chain
        node.put("restored", check.restored().label());
        return node;
    }

    private static ObjectNode traffic(TrafficObservation traffic) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("stall_threshold_ms", traffic.stallThresholdMs());
        ArrayNode tables = node.putArray("tables");
        for (TableTraffic table : traffic.tables()) {
            ObjectNode t = tables.addObject();
            t.put("table", table.table().toString());
            t.put("reads", table.reads());
            t.put("inserts", table.inserts());
            t.put("updates", table.updates());
            t.put("stalled", table.stalled());
            t.put("longest_stall_ms", table.longestStallMs());
            ArrayNode waitedOn = t.putArray("waited_on");
            table.waitedOn().forEach(waitedOn::add);
        }
        ArrayNode queue = node.putArray("lock_queue");
        for (LockWait wait : traffic.lockQueue()) {
            ObjectNode w = queue.addObject();
            w.put("waiter", wait.waiter());
            w.put("waiter_query", wait.waiterQuery());
            w.put("blocker", wait.blocker());
            w.put("blocker_query", wait.blockerQuery());
            w.put("table", wait.table().toString());
            w.put("mode", wait.mode().sqlName());
            w.put("start_ms", wait.startMs());
            w.put("waited_ms", wait.waitedMs());
        }
        return node;
    }

    /** How the baseline was made production-like: restore, seed and table stats, each null when unused. */
    private static ObjectNode data(BaselineData data) {
        ObjectNode node = MAPPER.createObjectNode();
        if (data.restore() == null) {
            node.putNull("restore");
        } else {
            ObjectNode restore = node.putObject("restore");
            restore.put("file", data.restore().file());
            restore.put("format", data.restore().format());
            ArrayNode versions = restore.putArray("alembic_version");
            data.restore().alembicVersion().forEach(versions::add);
        }
        if (data.seed() == null) {
            node.putNull("seed");
        } else {
            ObjectNode seed = node.putObject("seed");
            seed.put("rows_per_table", data.seed().rowsPerTable());
            ObjectNode filled = seed.putObject("filled");
            new TreeMap<>(data.seed().filled()).forEach((table, rows) -> filled.put(table.toString(), rows));
            ObjectNode skipped = seed.putObject("skipped");
            new TreeMap<>(data.seed().skipped()).forEach((table, why) -> skipped.put(table.toString(), why));
        }
        if (data.tableStats() == null) {
            node.putNull("table_stats");
        } else {
            ObjectNode stats = node.putObject("table_stats");
            stats.put("file", data.tableStats().file());
            stats.put("tables", data.tableStats().tables());
            stats.put("busy_min_writes", data.tableStats().busyMinWrites());
            stats.put("busy_min_rows", data.tableStats().busyMinRows());
            ArrayNode busy = stats.putArray("busy");
            data.tableStats().busy().forEach(t -> busy.add(t.toString()));
        }
        return node;
    }

    private static ObjectNode statement(VerifyReport report, Statement statement) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("sql", statement.sql());
        location(report, node, Optional.ofNullable(statement.source()));
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
            l.put("held_before", lock.heldBefore());
            if (lock.estimate() != null) {
                l.put("local_rows", lock.estimate().localRows());
                l.put("production_rows", lock.estimate().productionRows());
                l.put("estimated_production_ms", lock.estimate().estimatedMs());
            }
        }
        return node;
    }

    private static ObjectNode finding(VerifyReport report, Finding finding) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("rule", finding.rule().name());
        node.put("severity", finding.severity().label());
        node.put("table", finding.table().map(TableRef::toString).orElse(null));
        node.put("lock", finding.lock().map(LockMode::sqlName).orElse(null));
        node.put("statement", finding.statement().orElse(null));
        node.put("message", finding.message());
        node.put("hint", finding.hint().orElse(null));
        location(report, node, finding.location());
        node.put("suppressed", finding.suppressed());
        node.put("suppression_reason", finding.suppression().map(Suppression::reason).orElse(null));
        node.put("suppressed_by", finding.suppression().map(Suppression::origin).orElse(null));
        node.put("folded_into_chain", finding.folded());
        node.put("blocks", finding.lock().map(LockMode::impact).orElse(null));
        if (finding.heldMs().isPresent()) {
            node.put("held_ms", finding.heldMs().getAsLong());
        } else {
            node.putNull("held_ms");
        }
        node.put("rows", finding.rows().map(RowCount::value).orElse(null));
        node.put("rows_estimated", finding.rows().filter(r -> !r.exact()).isPresent());
        return node;
    }

    /** {@code file} (relative to the project, like a revision's) and {@code line}; null when unknown. */
    private static void location(VerifyReport report, ObjectNode node, Optional<SourceLocation> location) {
        node.put("file", location.map(l -> report.relativeFile(l.file())).orElse(null));
        OptionalInt line = location.map(SourceLocation::line).orElse(OptionalInt.empty());
        if (line.isPresent()) {
            node.put("line", line.getAsInt());
        } else {
            node.putNull("line");
        }
    }
}
