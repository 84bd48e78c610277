package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

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
     * Parses {@code postgresql://user[:password]@host[:port][/database]}; the password may come from
     * {@code PGPASSWORD} instead, so it need not appear on a command line.
     */
    public static ExistingServer fromUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.startsWith("jdbc:") ? url.substring(5) : url);
        } catch (URISyntaxException e) {
            throw LockwatchException.usage("--server-url is not a URL: " + redact(url));
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme()) || uri.getHost() == null) {
            throw LockwatchException.usage("--server-url must look like postgresql://user@host:5432/postgres, not " + redact(url));
        }
        String userInfo = uri.getRawUserInfo();
        String user = System.getProperty("user.name");
        String password = System.getenv().getOrDefault("PGPASSWORD", "");
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            if (colon >= 0) {
                password = decode(userInfo.substring(colon + 1));
            }
        }
        String database = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        return new ExistingServer(new DatabaseTarget(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), database,
                user, password));
    }

    /** The URL with any password masked, for messages. */
    public static String redact(String url) {
        return url.replaceAll("(//[^:/@]+):[^@]*@", "$1:***@");
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

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }
}
