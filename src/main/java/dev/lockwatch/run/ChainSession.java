package dev.lockwatch.run;

import dev.lockwatch.capture.Capture;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableSchema;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.traffic.TrafficGenerator;
import dev.lockwatch.watch.LockWatcher;
import dev.lockwatch.watch.SchemaReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * lockwatch's own sessions on the chain's database: the connection that reads the schema and gates tables, the
 * watcher, and the synthetic workload with {@code --traffic}. Only judged upgrades run on this database: the
 * downgrade round trip climbs a database of its own ({@link Stairway}).
 */
final class ChainSession implements AutoCloseable {
    private final Connection connection;
    private final SchemaReader schema;
    private final LockWatcher watcher;
    private final TrafficGenerator traffic;
    /** The tables lockwatch's DML gates are on (or could not be put on), by oid. */
    private final Set<Long> gated = new HashSet<>();
    /** Whether lockwatch's gates capture what migrations do here (event triggers: a superuser's database). */
    private final boolean gates;
    private Optional<SchemaSnapshot> settled = Optional.empty();
    /** The read after the last judged upgrade, when it is still to come ({@link Seen#readLater}). */
    private Optional<Seen> pending = Optional.empty();
    private boolean closed;

    private ChainSession(Connection connection, SchemaReader schema, LockWatcher watcher, TrafficGenerator traffic,
                         boolean gates) {
        this.gates = gates;
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
            return new ChainSession(connection, schema, watcher, traffic, gated);
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

    /**
     * Gates DML on the tables of {@code schema} that have no gate yet (tables appear as the chain runs); nothing to do,
     * and no catalog scan, when every table is one gated before.
     */
    void gateNewTables(SchemaSnapshot schema) {
        List<Long> fresh = schema.tables().values().stream().map(TableSchema::oid).filter(oid -> !gated.contains(oid))
                .toList();
        if (!fresh.isEmpty()) {
            Capture.gateTables(connection, fresh);
            gated.addAll(fresh);
        }
    }

    /** Tables whose DML gates the statement that created them installed (its end gate): none to install again. */
    void gatedAlready(Set<Long> oids) {
        gated.addAll(oids);
    }

    /**
     * The schema as the last judged upgrade left it, read right after it; empty when that upgrade failed or left a
     * session open. Only judged upgrades run on this database (the round trip climbs its own), so it is the next
     * one's "before" without a read: the server's transactions, which tell a read whether anything changed, move
     * with the round trip's database too.
     */
    Optional<SchemaSnapshot> settled() {
        return settled;
    }

    void settled(Optional<SchemaSnapshot> schema) {
        settled = schema;
    }

    boolean gated() {
        return gates;
    }

    /** The read after the last judged upgrade, to be taken before anything else changes the database. */
    void pending(Seen upgrade) {
        pending = Optional.of(upgrade);
    }

    /**
     * Takes the read after the last judged upgrade, when it is still to come: before anything changes the database.
     * Returns the upgrade it read after, if it did.
     */
    Optional<Seen> settle() {
        Optional<Seen> read = pending;
        pending = Optional.empty();
        read.ifPresent(Seen::readNow);
        return read;
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
