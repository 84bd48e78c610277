package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.RevisionStatus;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.watch.Capture;
import dev.lockwatch.watch.Catalog;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.SchemaReader;
import dev.lockwatch.watch.StatementAssembler;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Upgrades one revision under the watcher and turns what was seen into a {@link RevisionRun}, with the schema
 * read before and after.
 */
final class RevisionExecutor {
    private final VerifyConfig config;
    private final AlembicRunner alembic;
    private final LockWatcher watcher;
    private final Connection connection;
    private final SchemaReader schema;
    private final Set<TableRef> busy;
    private final boolean gated;
    private final int major;

    RevisionExecutor(VerifyConfig config, AlembicRunner alembic, LockWatcher watcher, Connection connection,
                     SchemaReader schema, Set<TableRef> busy, boolean gated, int major) {
        this.config = config;
        this.alembic = alembic;
        this.watcher = watcher;
        this.connection = connection;
        this.schema = schema;
        this.busy = Set.copyOf(busy);
        this.gated = gated;
        this.major = major;
    }

    RevisionRun upgrade(Revision revision) throws SQLException {
        if (gated) {
            Capture.gateTables(connection);
        }
        SchemaSnapshot before = schema.read();
        Set<TableRef> busyNow = new HashSet<>(busy);
        busyNow.retainAll(before.tables().keySet());
        WatchedRun watched = WatchedRun.of(watcher, () -> alembic.upgrade(revision.id(), config.revisionTimeout()));
        List<Statement> statements = StatementAssembler.assemble(watched.samples(), Catalog.of(before), busyNow,
                config.versionTable());
        SchemaSnapshot after = schema.read();
        boolean applied = watched.result().succeeded();
        return new RevisionRun(revision, applied ? RevisionStatus.APPLIED : RevisionStatus.FAILED,
                watched.result().durationMs(), statements, busyNow, applied ? null : watched.error(config.revisionTimeout()),
                major, before, after, DowngradeCheck.notChecked());
    }
}
