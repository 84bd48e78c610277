package dev.lockwatch.model;

import java.util.List;

/**
 * What happened when one revision was upgraded: the observations rules judge.
 *
 * @param busyTables   tables that carry traffic and existed before the revision ran
 * @param alembicError alembic's trimmed error output when {@link #status} is FAILED, else null
 * @param failedAt     the revision-file line the failure came from (the innermost traceback frame in a version
 *                     folder), when {@link #status} is FAILED and alembic's output told; else null
 * @param traffic      what the synthetic workload felt ({@code --traffic}), else null
 */
public record RevisionRun(Revision revision, RevisionStatus status, long durationMs, List<Statement> statements,
                          java.util.Set<TableRef> busyTables, String alembicError, SourceLocation failedAt,
                          TrafficObservation traffic) {

    public RevisionRun {
        statements = List.copyOf(statements);
        busyTables = java.util.Set.copyOf(busyTables);
    }

    public RevisionRun(Revision revision, RevisionStatus status, long durationMs, List<Statement> statements,
                       java.util.Set<TableRef> busyTables, String alembicError) {
        this(revision, status, durationMs, statements, busyTables, alembicError, null, null);
    }

    public static RevisionRun notRun(Revision revision) {
        return new RevisionRun(revision, RevisionStatus.NOT_RUN, 0, List.of(), java.util.Set.of(), null, null, null);
    }
}
