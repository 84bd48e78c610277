package dev.lockwatch.model;

import java.util.List;
import java.util.Set;

/**
 * What happened when one revision was upgraded: the observations rules judge.
 *
 * @param busyTables    tables that carry traffic and existed before the revision ran
 * @param alembicError  alembic's trimmed error output when {@link #status} is FAILED, else null
 * @param serverMajor   the PostgreSQL major version it ran on: answers differ between versions
 * @param before        the schema when the revision started
 * @param after         the schema once its upgrade ended (before any downgrade round trip)
 * @param downgrade     the downgrade round trip
 * @param failedAt      the revision-file line the failure came from (the innermost traceback frame in a version
 *                      folder), when {@link #status} is FAILED and alembic's output told; else null
 * @param traffic       what the synthetic workload felt ({@code --traffic}), else null
 * @param deploy        what the revision's joint deploy adds (later revisions' statements in its transaction, a
 *                      failure only the joint deploy has); {@link JointDeploy#NONE} when it was its own deploy
 */
public record RevisionRun(Revision revision, RevisionStatus status, long durationMs, List<Statement> statements,
                          Set<TableRef> busyTables, String alembicError, int serverMajor, SchemaSnapshot before,
                          SchemaSnapshot after, DowngradeCheck downgrade, SourceLocation failedAt,
                          TrafficObservation traffic, JointDeploy deploy) {

    public RevisionRun {
        statements = List.copyOf(statements);
        busyTables = Set.copyOf(busyTables);
    }

    /** A revision that was its own deploy. */
    public RevisionRun(Revision revision, RevisionStatus status, long durationMs, List<Statement> statements,
                       Set<TableRef> busyTables, String alembicError, int serverMajor, SchemaSnapshot before,
                       SchemaSnapshot after, DowngradeCheck downgrade, SourceLocation failedAt, TrafficObservation traffic) {
        this(revision, status, durationMs, statements, busyTables, alembicError, serverMajor, before, after, downgrade,
                failedAt, traffic, JointDeploy.NONE);
    }

    public static RevisionRun notRun(Revision revision) {
        return new RevisionRun(revision, RevisionStatus.NOT_RUN, 0, List.of(), Set.of(), null, 0, SchemaSnapshot.EMPTY,
                SchemaSnapshot.EMPTY, DowngradeCheck.notChecked(), null, null);
    }

    public RevisionRun withDowngrade(DowngradeCheck check) {
        return new RevisionRun(revision, status, durationMs, statements, busyTables, alembicError, serverMajor, before,
                after, check, failedAt, traffic, deploy);
    }

    /**
     * The run once the rules have judged it: the schemas are theirs alone, and a chain's worth of them grows with the
     * schema (290 revisions of a 100-table schema: most of a run's heap).
     */
    public RevisionRun judged() {
        return new RevisionRun(revision, status, durationMs, statements, busyTables, alembicError, serverMajor,
                SchemaSnapshot.EMPTY, SchemaSnapshot.EMPTY, downgrade, failedAt, traffic, deploy);
    }

    public RevisionRun withDeploy(JointDeploy joint) {
        return new RevisionRun(revision, status, durationMs, statements, busyTables, alembicError, serverMajor, before,
                after, downgrade, failedAt, traffic, joint);
    }

    public boolean busy(TableRef table) {
        return busyTables.contains(table);
    }
}
