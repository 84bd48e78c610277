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

    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + server().getPort() + "/" + database,
                "postgres", "postgres");
    }
}
