package dev.lockwatch.postgres;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.SharedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Before dropping or copying a database, lockwatch ends the sessions on it; a role that is not a superuser may not end
 * a superuser's process (an autovacuum worker counts as one), and that must not fail the cleanup, which then left the
 * scratch database behind.
 */
class EndSessionsTest {
    private static final String ROLE = "lw_end_sessions";
    private static final String PASSWORD = "pw-end-sessions";
    private static final String DATABASE = "lw_end_sessions_db";

    @Test
    void aRoleThatIsNoSuperuserEndsItsOwnSessionsAndLeavesASuperusersAlone() throws SQLException {
        SharedPostgres.nonSuperuserUrl(ROLE, PASSWORD);
        try (Connection admin = SharedPostgres.connect("postgres"); Statement s = admin.createStatement()) {
            s.execute("drop database if exists " + DATABASE);
            s.execute("create database " + DATABASE + " owner " + ROLE);
        }
        try (Connection superuser = SharedPostgres.connect(DATABASE);
             Connection own = connectAsRole(DATABASE);
             Connection cleaning = connectAsRole("postgres");
             Statement s = cleaning.createStatement()) {
            assertDoesNotThrow(() -> ScratchDatabase.endSessions(s, DATABASE));

            assertFalse(alive(own), "the role's own session on the database is ended");
            assertTrue(alive(superuser), "a superuser's session is left to the statement that follows");
        } finally {
            try (Connection admin = SharedPostgres.connect("postgres"); Statement s = admin.createStatement()) {
                s.execute("drop database if exists " + DATABASE + " with (force)");
                s.execute("drop role if exists " + ROLE);
            }
        }
    }

    private static Connection connectAsRole(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + SharedPostgres.server().getPort() + "/"
                + database, ROLE, PASSWORD);
    }

    private static boolean alive(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("select 1");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
