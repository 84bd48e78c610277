package dev.lockwatch.run;

import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.traffic.TrafficGenerator;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.SchemaReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * lockwatch's own sessions on the chain's database: the connection that reads the schema and gates tables, the
 * watcher, and the synthetic workload with {@code --traffic}. Closed and opened again when the database is put back
 * from the baseline copy ({@link BaselineCopy}), which needs the database to itself.
 */
final class ChainSession implements AutoCloseable {
    private final Connection connection;
    private final SchemaReader schema;
    private final LockWatcher watcher;
    private final TrafficGenerator traffic;
    private boolean closed;

    private ChainSession(Connection connection, SchemaReader schema, LockWatcher watcher, TrafficGenerator traffic) {
        this.connection = connection;
        this.schema = schema;
        this.watcher = watcher;
        this.traffic = traffic;
    }

    static ChainSession open(VerifyConfig config, DatabaseTarget target, boolean gated, int major, Set<TableRef> busy) {
        Connection connection = null;
        try {
            connection = ScratchDatabase.connect(target, config.revisionTimeout()); // a lingering lock ends a read in time
            if (gated) {
                gateVersionTable(connection, config.versionTable());
            }
            SchemaReader schema = new SchemaReader(connection, config.versionTable(), major);
            LockWatcher watcher = LockWatcher.open(target, gated, config.pollIntervalMicros());
            TrafficGenerator traffic = config.traffic() == null ? null
                    : TrafficGenerator.open(target, List.copyOf(busy), config.traffic());
            return new ChainSession(connection, schema, watcher, traffic);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e instanceof RuntimeException r ? r : LockwatchException.environment(
                    "cannot connect to the scratch database: " + e.getMessage(), e);
        }
    }

    /**
     * The version table's gate marks where each revision ends; capture.sql adds it when a judged upgrade creates the
     * table. A replay from the baseline creates it unjudged, so it is added here when missing.
     */
    private static void gateVersionTable(Connection connection, String versionTable) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select lockwatch.gate_version_table(c.oid::regclass::text)"
                + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = ? and c.relkind = 'r'"
                + " and n.nspname not in ('pg_catalog', 'information_schema', 'lockwatch') and not exists (select 1"
                + " from pg_trigger g where g.tgrelid = c.oid and g.tgname = 'lockwatch_version_gate')")) {
            s.setString(1, versionTable);
            s.execute();
        }
    }

    Connection connection() {
        return connection;
    }

    SchemaReader schema() {
        return schema;
    }

    LockWatcher watcher() {
        return watcher;
    }

    /** The synthetic workload ({@code --traffic}), or null. */
    TrafficGenerator traffic() {
        return traffic;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (traffic != null) {
            traffic.close();
        }
        watcher.close();
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // the session is gone either way
        }
    }
}
