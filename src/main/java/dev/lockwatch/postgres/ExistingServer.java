package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;

/**
 * A server lockwatch did not start (a staging box, a CI service container). lockwatch only ever creates,
 * migrates and drops its own scratch database there; closing it leaves the server running.
 */
public final class ExistingServer implements PostgresProvider {
    private final DatabaseTarget admin;

    private ExistingServer(DatabaseTarget admin) {
        this.admin = admin;
    }

    /**
     * The server {@code --server-url} names ({@link ServerUrl}); the password may come from {@code PGPASSWORD}
     * instead, so it need not appear on a command line.
     */
    public static ExistingServer fromUrl(String url) {
        return new ExistingServer(ServerUrl.parse(url, System.getProperty("user.name"),
                System.getenv().getOrDefault("PGPASSWORD", "")).target());
    }

    /** The server the URL names, for messages: never its password. */
    public static String redact(String url) {
        return ServerUrl.redact(url);
    }

    @Override
    public PostgresServer start() {
        return new PostgresServer() {
            @Override
            public DatabaseTarget admin() {
                return admin;
            }

            @Override
            public String provider() {
                return "server";
            }

            @Override
            public String detail() {
                return admin.toString();
            }

            @Override
            public void close() {
                // not ours to stop
            }
        };
    }
}
