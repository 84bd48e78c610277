package dev.lockwatch.run;

import dev.lockwatch.model.LockMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a revision left behind that lockwatch could not wait out: a session of its own (a second connection, a
 * child process) still holding a lock after alembic finished, so lockwatch's next read of the schema timed out.
 */
final class LingeringLocks {
    /** lock_not_available (lock_timeout) and query_canceled (statement_timeout). */
    private static final List<String> TIMED_OUT = List.of("55P03", "57014");
    private static final String HELD = """
            select distinct n.nspname || '.' || c.relname, l.mode, a.pid, coalesce(a.state, ''), a.application_name
              from pg_locks l join pg_stat_activity a on a.pid = l.pid
              join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
             where l.granted and l.locktype = 'relation' and a.datname = current_database()
               and a.pid <> pg_backend_pid() and a.application_name <> 'lockwatch'
               and n.nspname not in ('pg_catalog', 'information_schema')
             order by 1, 3
            """;

    private LingeringLocks() {
    }

    /** The failure to report for {@code e}; any other error than a timeout is rethrown as it came. */
    static String describe(SQLException e, Connection connection, Duration timeout) throws SQLException {
        if (!TIMED_OUT.contains(e.getSQLState())) {
            throw e;
        }
        List<String> held = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(HELD)) {
            while (rs.next()) {
                String mode = LockMode.fromPgLocks(rs.getString(2)).map(LockMode::sqlName).orElse(rs.getString(2));
                held.add(rs.getString(1) + " " + mode + " (pid " + rs.getInt(3) + ", "
                        + rs.getString(4) + ", application " + rs.getString(5) + ")");
            }
        }
        return "alembic finished, but a session the revision opened and left open still holds "
                + (held.isEmpty() ? "a lock" : String.join("; ", held)) + ": lockwatch's read of the schema after it "
                + "waited longer than --revision-timeout " + timeout.toSeconds() + " s. Close every connection the "
                + "revision opens before it returns";
    }
}
