package dev.lockwatch.run;

import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.JointDeploy;
import dev.lockwatch.model.JointDeploy.LaterStatement;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pending revisions as the deploy runs them: ONE judged {@code alembic upgrade <target>} from the baseline,
 * through the project's own env.py and its transaction handling. Each statement is attributed to its revision by
 * the revision file its source tag names (a statement without one, such as env.py's, goes with the statement before
 * it), so findings stay per revision; the joint deploy adds what later revisions ran in the same transaction.
 */
final class JointUpgrade {
    private final RevisionExecutor executor;

    JointUpgrade(RevisionExecutor executor) {
        this.executor = executor;
    }

    /**
     * The deploy's outcome.
     *
     * @param runs      every revision's run as the deploy observed it, in order
     * @param committed the revisions the deploy left applied (all on success; with transaction_per_migration, or
     *                  revisions that commit themselves, those before the failure)
     * @param failed    the revision the deploy failed at, when it failed
     */
    record Outcome(String command, List<RevisionRun> runs, Set<String> committed, Optional<Revision> failed,
                   String error) {
        boolean succeeded() {
            return failed.isEmpty();
        }
    }

    /** @param meanwhile runs while alembic does */
    Outcome deploy(List<Revision> revisions, List<String> targets, ChainSession session, Runnable meanwhile)
            throws SQLException {
        String target = targets.size() == 1 ? targets.get(0) : "heads";
        String command = "alembic upgrade " + target;
        RevisionExecutor.Observed deploy = executor.observe(target, session, true, meanwhile);
        Map<Revision, List<Statement>> byRevision = attribute(revisions, deploy.statements(), deploy.recordedNext());
        Set<String> committed = new HashSet<>(deploy.after().versions().isEmpty() ? List.of()
                : committedRevisions(revisions, deploy.after()));
        Optional<Revision> failed = Optional.empty();
        SourceLocation failedAt = null;
        String error = null;
        if (!deploy.succeeded()) {
            failedAt = deploy.watched().result().failureSource(executor.versionFolders());
            failed = Optional.of(failedRevision(revisions, byRevision, committed, failedAt));
            error = executor.error(deploy);
        }
        List<RevisionRun> runs = new ArrayList<>();
        List<LaterStatement> all = new ArrayList<>();
        byRevision.forEach((revision, statements) -> statements.forEach(s -> all.add(new LaterStatement(revision.id(), s))));
        Map<Long, Integer> touchedBy = new HashMap<>();
        byRevision.values().forEach(own -> touched(deploy.before(), deploy.after(), own).forEach(oid -> touchedBy.merge(oid, 1, Integer::sum)));
        Set<Long> shared = new HashSet<>();
        touchedBy.forEach((oid, count) -> {
            if (count > 1) {
                shared.add(oid);
            }
        });
        Set<Long> busyOids = new HashSet<>();
        deploy.busy().forEach(t -> deploy.before().table(t).ifPresent(shape -> busyOids.add(shape.oid())));
        int seen = 0;
        for (Revision revision : revisions) {
            List<Statement> own = byRevision.get(revision);
            seen += own.size();
            boolean isFailed = failed.isPresent() && failed.get().equals(revision);
            RevisionStatus status = isFailed ? RevisionStatus.FAILED
                    : deploy.succeeded() || committed.contains(revision.id()) ? RevisionStatus.APPLIED : RevisionStatus.NOT_RUN;
            long durationMs = own.stream().mapToLong(Statement::durationMs).sum();
            runs.add(new RevisionRun(revision, status, durationMs, own, deploy.busy(), isFailed ? error : null,
                    executor.major(), deploy.before(), scoped(deploy.before(), deploy.after(), own, shared),
                    DowngradeCheck.notChecked(), isFailed ? failedAt : null, deploy.traffic(),
                    new JointDeploy(command, all.subList(seen, all.size()), Optional.empty()), busyOids, deploy.after()));
        }
        return new Outcome(command, runs, committed, failed, error == null ? "" : error);
    }

    /**
     * Each statement to the revision whose file its source tag names. An untagged one (env.py's, a placeholder for a
     * statement no gate paused, known only at the next gate) goes with the revision alembic recorded next in its
     * version table: a revision's write comes after all it ran, before the next one starts. Failing that (a deploy
     * that failed before its write, a driver that binds values server-side), with the statement before it, or the
     * first revision.
     *
     * @param recordedNext for each statement, the revision the next version-table write recorded
     */
    private static Map<Revision, List<Statement>> attribute(List<Revision> revisions, List<Statement> statements,
                                                            List<Optional<String>> recordedNext) {
        Map<Path, Revision> byFile = new HashMap<>();
        Map<String, Revision> byId = new HashMap<>();
        revisions.forEach(r -> {
            byFile.put(real(r.file()), r);
            byId.put(r.id(), r);
        });
        Map<Revision, List<Statement>> byRevision = new LinkedHashMap<>();
        revisions.forEach(r -> byRevision.put(r, new ArrayList<>()));
        Revision current = revisions.get(0);
        for (int i = 0; i < statements.size(); i++) {
            Statement statement = statements.get(i);
            Revision tagged = statement.source() == null ? null : byFile.get(real(statement.source().file()));
            Revision recorded = i < recordedNext.size() ? recordedNext.get(i).map(byId::get).orElse(null) : null;
            current = tagged != null ? tagged : recorded != null ? recorded : current;
            byRevision.get(current).add(statement);
        }
        return byRevision;
    }

    /** The revision of the failure's line; else the one the last statement ran for; else the first not committed. */
    private static Revision failedRevision(List<Revision> revisions, Map<Revision, List<Statement>> byRevision,
                                           Set<String> committed, SourceLocation failedAt) {
        if (failedAt != null) {
            Path file = real(failedAt.file());
            for (Revision revision : revisions) {
                if (real(revision.file()).equals(file)) {
                    return revision;
                }
            }
        }
        Revision last = null;
        for (Revision revision : revisions) {
            if (!committed.contains(revision.id()) && (last == null || !byRevision.get(revision).isEmpty())) {
                last = revision;
            }
        }
        return last != null ? last : revisions.get(revisions.size() - 1);
    }

    /** The revisions of the deploy below (or at) the version table's rows once it ended. */
    private static Set<String> committedRevisions(List<Revision> revisions, SchemaSnapshot after) {
        Map<String, Revision> byId = new HashMap<>();
        revisions.forEach(r -> byId.put(r.id(), r));
        Set<String> committed = new HashSet<>();
        List<String> pending = new ArrayList<>(after.versions());
        while (!pending.isEmpty()) {
            Revision revision = byId.get(pending.remove(pending.size() - 1));
            if (revision != null && committed.add(revision.id())) {
                pending.addAll(revision.prerequisites());
            }
        }
        return committed;
    }

    /**
     * The schema after the deploy as far as this revision alone touched it (by the tables its statements locked or
     * acted on), the rest as before the deploy: schema-comparing rules judge each revision on what it did. A table
     * several revisions of the deploy touched stays as before for all of them, as one read after the deploy cannot
     * tell whose change is whose; rules judge the statements' own effects, by oid, and read the deploy's end state
     * ({@link RevisionRun#deployAfter()}) for what effects cannot tell.
     */
    private static SchemaSnapshot scoped(SchemaSnapshot before, SchemaSnapshot after, List<Statement> own,
                                         Set<Long> shared) {
        Set<Long> touched = touched(before, after, own);
        touched.removeAll(shared);
        Map<TableRef, TableSchema> tables = new HashMap<>(before.tables());
        tables.values().removeIf(t -> touched.contains(t.oid()));
        after.tables().values().stream().filter(t -> touched.contains(t.oid())).forEach(t -> tables.put(t.table(), t));
        return SchemaSnapshot.of(tables, after.objects(), after.versions());
    }

    /** The tables (oids) the statements locked or acted on. */
    private static Set<Long> touched(SchemaSnapshot before, SchemaSnapshot after, List<Statement> statements) {
        Set<Long> touched = new HashSet<>();
        for (Statement statement : statements) {
            Optional.ofNullable(statement.target()).ifPresent(t -> oid(before, after, t).ifPresent(touched::add));
            for (ObservedLock lock : statement.locks()) {
                oid(before, after, lock.table()).ifPresent(touched::add);
            }
        }
        return touched;
    }

    private static Optional<Long> oid(SchemaSnapshot before, SchemaSnapshot after, TableRef table) {
        return before.table(table).or(() -> after.table(table)).map(TableSchema::oid);
    }

    private static Path real(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize();
        }
    }
}
