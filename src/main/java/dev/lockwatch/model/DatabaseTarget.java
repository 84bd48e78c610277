package dev.lockwatch.model;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Where lockwatch's scratch database lives and how to log in to it.
 *
 * @param ssl libpq's ssl* parameters (sslmode, sslrootcert, ...), named as JDBC names them too
 */
public record DatabaseTarget(String host, int port, String database, String user, String password, Map<String, String> ssl) {
    /** The libpq variables that decide which server, database and login a client gets: {@link #libpqEnvironment} sets or removes each. */
    public static final List<String> LIBPQ_DESTINATION = List.of("PGHOST", "PGHOSTADDR", "PGPORT",
            "PGDATABASE", "PGUSER", "PGPASSWORD", "PGAPPNAME", "PGSERVICE", "PGSERVICEFILE", "PGSSLMODE",
            "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY");

    public DatabaseTarget {
        ssl = Map.copyOf(ssl);
    }

    public DatabaseTarget(String host, int port, String database, String user, String password) {
        this(host, port, database, user, password, Map.of());
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + bracketed() + ":" + port + "/" + database;
    }

    /**
     * The URL SQLAlchemy (and so Alembic's env.py) connects with. It holds no password: libpq takes it from
     * PGPASSWORD ({@link #libpqEnvironment}), so no file lockwatch writes holds it either.
     */
    public String sqlalchemyUrl() {
        return "postgresql://" + encode(user) + "@" + bracketed() + ":" + port + "/" + encode(database);
    }

    /**
     * Points libpq's variables at this database, for child processes (alembic's psycopg2, psql, pg_restore):
     * the password travels in the environment, never on a command line.
     */
    public void libpqEnvironment(Map<String, String> env, String applicationName) {
        LIBPQ_DESTINATION.forEach(env::remove);
        env.put("PGHOST", host);
        env.put("PGPORT", Integer.toString(port));
        env.put("PGDATABASE", database);
        env.put("PGUSER", user);
        env.put("PGPASSWORD", password);
        env.put("PGAPPNAME", applicationName);
        ssl.forEach((key, value) -> env.put("PG" + key.toUpperCase(java.util.Locale.ROOT), value));
    }

    public DatabaseTarget withDatabase(String other) {
        return new DatabaseTarget(host, port, other, user, password, ssl);
    }

    @Override
    public String toString() {
        return "postgresql://" + user + "@" + bracketed() + ":" + port + "/" + database; // never the password
    }

    private String bracketed() {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** RFC 3986 percent-encoding (a space is %20: SQLAlchemy and libpq read + as a plus). */
    private static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 128 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", (int) c));
            }
        }
        return out.toString();
    }
}
