package dev.lockwatch.model;

import java.util.List;
import java.util.Set;

/**
 * What happened when one revision was upgraded: the observations rules judge.
 *
 * @param busyTables    tables that carry traffic and existed before the deploy, under their names then (for
 *                      messages and lock names)
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
 * @param busyOids      the busy tables by oid: the same tables under any name they take during the deploy
 * @param deployAfter   the schema once the whole deploy ended: {@link #after} when the revision was its own deploy;
 *                      in a joint deploy {@link #after} is scoped to the revision, this is not
 */
public record RevisionRun(Revision revision, RevisionStatus status, long durationMs, List<Statement> statements,
                          Set<TableRef> busyTables, String alembicError, int serverMajor, SchemaSnapshot before,
                          SchemaSnapshot after, DowngradeCheck downgrade, SourceLocation failedAt,
                          TrafficObservation traffic, JointDeploy deploy, Set<Long> busyOids,
                          SchemaSnapshot deployAfter) {

    public RevisionRun {
        statements = List.copyOf(statements);
        busyTables = Set.copyOf(busyTables);
        busyOids = Set.copyOf(busyOids);
    }

    /** The busy tables' oids are those {@code before} has under the busy names; the deploy ended with {@code after}. */
    public RevisionRun(Revision revision, RevisionStatus status, long durationMs, List<Statement> statements,
                       Set<TableRef> busyTables, String alembicError, int serverMajor, SchemaSnapshot before,
                       SchemaSnapshot after, DowngradeCheck downgrade, SourceLocation failedAt, TrafficObservation traffic,
                       JointDeploy deploy) {
        this(revision, status, durationMs, statements, busyTables, alembicError, serverMajor, before, after, downgrade,
                failedAt, traffic, deploy, oids(before, busyTables), after);
    }

    private static Set<Long> oids(SchemaSnapshot before, Set<TableRef> tables) {
        return tables.stream().flatMap(t -> before.table(t).stream()).map(TableSchema::oid)
                .collect(java.util.stream.Collectors.toSet());
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
                after, check, failedAt, traffic, deploy, busyOids, deployAfter);
    }

    /**
     * The run once the rules have judged it: the schemas are theirs alone, and a chain's worth of them grows with the
     * schema (290 revisions of a 100-table schema: most of a run's heap).
     */
    public RevisionRun judged() {
        return new RevisionRun(revision, status, durationMs, statements, busyTables, alembicError, serverMajor,
                SchemaSnapshot.EMPTY, SchemaSnapshot.EMPTY, downgrade, failedAt, traffic, deploy, busyOids,
                SchemaSnapshot.EMPTY);
    }

    public RevisionRun withDeploy(JointDeploy joint) {
        return new RevisionRun(revision, status, durationMs, statements, busyTables, alembicError, serverMajor, before,
                after, downgrade, failedAt, traffic, joint, busyOids, deployAfter);
    }

    /** By the name the table had before the deploy, as locks name it. */
    public boolean busy(TableRef table) {
        return busyTables.contains(table);
    }

    /** Busy: the table existed before the deploy, whatever its name now. */
    public boolean busy(StatementEffects.TableId table) {
        return busyOids.contains(table.oid());
    }
}
