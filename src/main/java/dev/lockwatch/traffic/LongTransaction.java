package dev.lockwatch.traffic;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.postgres.ScratchDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An ordinary open transaction on the busy tables, the way a slow report query holds one in production: it
 * reads each table once (ACCESS SHARE until it ends) and commits after its duration. A DDL without
 * lock_timeout queues behind it, and every new read and write queues behind the DDL.
 */
final class LongTransaction implements AutoCloseable {
    private final Connection connection;
    private final ScheduledExecutorService timer;

    private LongTransaction(Connection connection, ScheduledExecutorService timer) {
        this.connection = connection;
        this.timer = timer;
    }

    static LongTransaction begin(DatabaseTarget target, List<TableRef> tables, Duration duration) {
        try {
            Connection connection = ScratchDatabase.connect(target);
            try (Statement s = connection.createStatement()) {
                s.execute("set application_name = '" + TrafficGenerator.LONG_TRANSACTION_NAME + "'");
            }
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement()) {
                for (TableRef table : tables) {
                    s.execute("select 1 from \"" + table.schema().replace("\"", "\"\"") + "\".\""
                            + table.name().replace("\"", "\"\"") + "\" limit 1");
                }
            }
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "lockwatch-long-transaction");
                t.setDaemon(true);
                return t;
            });
            LongTransaction transaction = new LongTransaction(connection, timer);
            timer.schedule(transaction::end, duration.toMillis(), TimeUnit.MILLISECONDS);
            return transaction;
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot open the long transaction: " + e.getMessage(), e);
        }
    }

    private synchronized void end() {
        try {
            if (!connection.isClosed()) {
                connection.commit();
            }
        } catch (SQLException ignored) {
            // ending it is all that matters; close() follows
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        try {
            connection.close(); // an open transaction is rolled back
        } catch (SQLException ignored) {
            // nothing held survives a closed connection
        }
    }
}
