package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;

/**
 * A database {@code lockwatch_<random>} that lockwatch creates, migrates and drops. Every migration runs
 * here, never in a database lockwatch did not create.
 */
public final class ScratchDatabase implements AutoCloseable {
    public static final String PREFIX = "lockwatch_";
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private final DatabaseTarget admin;
    private final DatabaseTarget target;
    private final String serverVersion;
    private final int majorVersion;
    private final boolean superuser;
    /** A session on the admin database, kept for the scratch database's life: each new one costs a handshake. */
    private Connection adminSession;
    private boolean dropped;
    /** The server goes at close with every database in it: no drop needed, only the admin session ended. */
    private boolean goesWithServer;
    /** The secret only sessions in this database see as {@code lockwatch.token}; empty when the role may not set it. */
    private String guardToken = "";

    private ScratchDatabase(DatabaseTarget admin, DatabaseTarget target, String serverVersion, int majorVersion, boolean superuser) {
        this.admin = admin;
        this.target = target;
        this.serverVersion = serverVersion;
        this.majorVersion = majorVersion;
        this.superuser = superuser;
    }

    public static ScratchDatabase create(DatabaseTarget admin) {
        return create(admin, null);
    }

    /**
     * The run's scratch database on {@code server}: its spare database renamed, when it has one ({@link
     * PostgresServer#takeSpareDatabase()}), else a new one; left to go with a server that is thrown away.
     */
    public static ScratchDatabase create(PostgresServer server) {
        return create(server.admin(), null, server.takeSpareDatabase()).goesWith(server);
    }

    /**
     * A scratch database that starts as a copy of {@code template}, another of lockwatch's (the retry check's
     * trials); null for an empty one. Nobody may be connected to the template.
     */
    public static ScratchDatabase create(DatabaseTarget admin, String template) {
        return create(admin, template, Optional.empty());
    }

    private static ScratchDatabase create(DatabaseTarget admin, String template, Optional<String> spare) {
        if (template != null && !template.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a lockwatch scratch database: " + template);
        }
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        String name = PREFIX + HexFormat.of().formatHex(random);
        Connection session = null;
        try {
            session = connect(admin);
            String version;
            int major;
            boolean superuser;
            try (Statement s = session.createStatement()) {
                try (ResultSet rs = s.executeQuery("select current_setting('server_version'), "
                        + "current_setting('server_version_num')::int / 10000, "
                        + "(select rolsuper from pg_roles where rolname = current_user)")) {
                    rs.next();
                    version = rs.getString(1);
                    major = rs.getInt(2);
                    superuser = rs.getBoolean(3);
                }
                if (template != null) { // sessions an alembic driver keeps idle there would make the copy wait, then fail
                    endSessions(s, template);
                }
                if (spare.isEmpty() || !renamed(s, spare.get(), name)) {
                    s.execute("create database " + name + (template == null ? "" : " template " + template));
                }
            }
            ScratchDatabase created = new ScratchDatabase(admin, admin.withDatabase(name), version, major, superuser);
            created.adminSession = session;
            created.guardToken = setGuardToken(session, name);
            return created;
        } catch (SQLException e) {
            closeQuietly(session);
            if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw LockwatchException.environment("role " + admin.user() + " may not create databases on "
                        + admin.host() + ":" + admin.port() + " and lockwatch runs migrations only in a database it "
                        + "creates: grant it CREATEDB (ALTER ROLE " + admin.user() + " CREATEDB) or use a role that has it");
            }
            throw LockwatchException.environment("cannot create a scratch database on " + admin + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code spare} is {@code name} now; a spare that is not there (a damaged template) is no error. */
    private static boolean renamed(Statement s, String spare, String name) {
        try {
            s.execute("alter database " + spare + " rename to " + name);
            return true;
        } catch (SQLException notThere) {
            return false;
        }
    }

    /** Takes over a scratch database lockwatch created in an earlier run, found in a restored data folder. */
    public static ScratchDatabase adopt(DatabaseTarget admin, String name) {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a lockwatch scratch database: " + name);
        }
        try (Connection c = connect(admin); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_setting('server_version'), "
                     + "current_setting('server_version_num')::int / 10000, "
                     + "(select rolsuper from pg_roles where rolname = current_user), "
                     + "exists (select 1 from pg_database where datname = '" + name + "')")) {
            rs.next();
            if (!rs.getBoolean(4)) {
                throw LockwatchException.environment("its data folder has no database " + name);
            }
            ScratchDatabase adopted = new ScratchDatabase(admin, admin.withDatabase(name), rs.getString(1), rs.getInt(2),
                    rs.getBoolean(3));
            adopted.guardToken = setGuardToken(c, name);
            return adopted;
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot open the cached baseline on " + admin + ": " + e.getMessage(), e);
        }
    }

    /**
     * Gives the database a new random {@code lockwatch.token}: a database-level setting, so only sessions in this
     * database see it, and a fact lockwatch's connection guard checks before alembic's sessions run anything.
     * A role that may not set it leaves the guard with the database's name alone.
     */
    private static String setGuardToken(Connection admin, String database) {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        try (Statement s = admin.createStatement()) {
            s.execute("alter database " + database + " set lockwatch.token = '" + token + "'");
            return token;
        } catch (SQLException notAllowed) {
            return "";
        }
    }

    /** The value of {@code lockwatch.token} that proves a session reached this database; empty when unset. */
    public String guardToken() {
        return guardToken;
    }

    /** Opens a lockwatch connection: its DDL never pauses at lockwatch's own triggers. */
    public static Connection connect(DatabaseTarget target) throws SQLException {
        return connect(target, "");
    }

    /**
     * A lockwatch connection on which no statement waits for a lock, or runs, longer than {@code bound}: a
     * session a revision left open holding a lock ends lockwatch's wait instead of hanging the run. They are
     * startup settings, so a RESET returns to them.
     */
    public static Connection connect(DatabaseTarget target, java.time.Duration bound) throws SQLException {
        long ms = Math.max(1, Math.min(Integer.MAX_VALUE, bound.toMillis()));
        return connect(target, " -c lock_timeout=" + ms + " -c statement_timeout=" + ms);
    }

    private static Connection connect(DatabaseTarget target, String settings) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", target.user());
        props.setProperty("password", target.password());
        props.setProperty("ApplicationName", "lockwatch");
        props.setProperty("options", "-c lockwatch.internal=on" + settings);
        props.setProperty("connectTimeout", "10");
        target.ssl().forEach(props::setProperty);
        Connection connection = DriverManager.getConnection(target.jdbcUrl(), props);
        connection.setAutoCommit(true);
        return connection;
    }

    public DatabaseTarget target() {
        return target;
    }

    public String serverVersion() {
        return serverVersion;
    }

    public int majorVersion() {
        return majorVersion;
    }

    public boolean superuser() {
        return superuser;
    }

    /**
     * Runs {@code work} in the admin session kept for this scratch database's life, opened anew once when the server
     * ended it (lockwatch restarts its own server to snapshot the baseline). The work must bear running twice.
     */
    public synchronized <T> T onAdmin(AdminWork<T> work) throws SQLException {
        if (adminSession == null || adminSession.isClosed()) {
            adminSession = connect(admin);
        }
        try {
            return work.apply(adminSession);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (!state.startsWith("08") && !state.startsWith("57P")) { // connection lost, server shut down
                throw e;
            }
            closeQuietly(adminSession);
            adminSession = connect(admin);
            return work.apply(adminSession);
        }
    }

    /** Work on the admin database. */
    @FunctionalInterface
    public interface AdminWork<T> {
        T apply(Connection admin) throws SQLException;
    }

    /**
     * Leaves the database to go with its server, when that server is thrown away at close ({@link
     * PostgresServer#throwaway()}): its close then spares the drop (tens of ms at the end of every run).
     */
    public ScratchDatabase goesWith(PostgresServer server) {
        goesWithServer = server.throwaway();
        return this;
    }

    /** Drops the database, ending any session still connected to it; or, when it goes with its server, leaves it. */
    @Override
    public synchronized void close() {
        if (dropped) {
            return;
        }
        if (goesWithServer) {
            closeQuietly(adminSession);
            adminSession = null;
            dropped = true;
            return;
        }
        try {
            onAdmin(this::drop);
            dropped = true;
        } catch (SQLException e) {
            throw LockwatchException.environment("could not drop scratch database " + target.database() + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(adminSession);
            adminSession = null;
        }
    }

    private Void drop(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("alter database " + target.database() + " allow_connections false");
            endSessions(s, target.database());
            for (int attempt = 0; ; attempt++) {
                try {
                    s.execute("drop database if exists " + target.database());
                    return null;
                } catch (SQLException stillInUse) {
                    if (attempt >= 50) {
                        throw stillInUse;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw stillInUse;
                    }
                }
            }
        }
    }

    /**
     * Ends the client sessions on {@code database} (lockwatch's own: alembic's driver keeps idle ones) that this role
     * may end. Not the server's own processes there: an autovacuum worker, which DROP and CREATE DATABASE end
     * themselves, counts as a superuser's, and ending it failed the whole statement for a role that is not one, which
     * left the scratch database behind. A session this role may not end is left to the statement that follows, which
     * then says the database is in use.
     */
    public static void endSessions(Statement s, String database) throws SQLException {
        s.execute("""
                do $end$
                declare
                  session int;
                begin
                  for session in select pid from pg_stat_activity
                                  where datname = %s and pid <> pg_backend_pid() and backend_type = 'client backend'
                  loop
                    begin
                      perform pg_terminate_backend(session);
                    exception when insufficient_privilege then
                      null;
                    end;
                  end loop;
                end
                $end$""".formatted("'" + database.replace("'", "''") + "'"));
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
