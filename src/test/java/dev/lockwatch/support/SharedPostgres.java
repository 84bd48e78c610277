package dev.lockwatch.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * One real embedded Postgres for the whole test JVM, passed to lockwatch with --server-url so each test pays
 * for a scratch database, not a server start. The default (embedded, started by lockwatch) path has tests of
 * its own.
 */
public final class SharedPostgres {
    private static EmbeddedPostgres server;

    private SharedPostgres() {
    }

    public static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("track_activity_query_size", "16384")
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
        }
        return server;
    }

    /** The superuser URL lockwatch's --server-url takes. */
    public static String url() {
        return "postgresql://postgres:postgres@localhost:" + server().getPort() + "/postgres";
    }

    /** The databases of the shared server whose names are LIKE {@code pattern}, e.g. scratch databases left behind. */
    public static java.util.List<String> databases(String pattern) throws SQLException {
        java.util.List<String> names = new java.util.ArrayList<>();
        try (Connection c = connect("postgres");
             java.sql.PreparedStatement s = c.prepareStatement("select datname from pg_database where datname like ? order by 1")) {
            s.setString(1, pattern);
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    /** lockwatch's scratch databases on the shared server. */
    public static java.util.List<String> scratchDatabases() throws SQLException {
        return databases("lockwatch\\_%");
    }

    /** An empty database of this name on the shared server, for tests that run SQL directly (a leftover is replaced). */
    public static void createDatabase(String name) throws SQLException {
        try (Connection admin = connect("postgres"); java.sql.Statement s = admin.createStatement()) {
            s.execute("drop database if exists " + name + " with (force)");
            s.execute("create database " + name);
        }
    }

    public static void dropDatabase(String name) throws SQLException {
        try (Connection admin = connect("postgres"); java.sql.Statement s = admin.createStatement()) {
            s.execute("drop database if exists " + name + " with (force)");
        }
    }

    /**
     * A login role that may create databases but is not a superuser (best-effort capture), created afresh; its
     * URL on the shared server.
     */
    public static String nonSuperuserUrl(String role, String password) throws SQLException {
        try (Connection c = connect("postgres"); java.sql.Statement s = c.createStatement()) {
            s.execute("drop role if exists " + role);
            s.execute("create role " + role + " login createdb nosuperuser password '" + password + "'");
        }
        return "postgresql://" + role + ":" + password + "@localhost:" + server().getPort() + "/postgres";
    }

    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + server().getPort() + "/" + database,
                "postgres", "postgres");
    }
}
