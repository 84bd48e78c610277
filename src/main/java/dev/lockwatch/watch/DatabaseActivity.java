package dev.lockwatch.watch;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.ScratchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Counts the transactions a database has seen, read from another database so lockwatch's own reading does
 * not count. Used to prove that alembic connected where lockwatch told it to before anything is migrated.
 */
public final class DatabaseActivity {
    private DatabaseActivity() {
    }

    public static long transactions(ScratchDatabase scratch) {
        String database = scratch.target().database();
        try {
            return scratch.onAdmin(c -> transactions(c, database));
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot read pg_stat_database: " + e.getMessage(), e);
        }
    }

    private static long transactions(Connection c, String database) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                     "select coalesce(sum(xact_commit + xact_rollback), 0) from pg_stat_database where datname = ?")) {
            s.setString(1, database);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Waits until the count exceeds {@code before}; statistics reach the view shortly after a session ends. */
    public static boolean grewWithin(ScratchDatabase scratch, long before, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        do {
            if (transactions(scratch) > before) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        } while (System.nanoTime() < deadline);
        return false;
    }
}
