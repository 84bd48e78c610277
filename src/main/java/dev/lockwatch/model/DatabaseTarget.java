package dev.lockwatch.model;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Where lockwatch's scratch database lives and how to log in to it. */
public record DatabaseTarget(String host, int port, String database, String user, String password) {
    /** The libpq variables that decide which server, database and login a client gets: {@link #libpqEnvironment} sets or removes each. */
    public static final java.util.List<String> LIBPQ_DESTINATION = java.util.List.of("PGHOST", "PGHOSTADDR", "PGPORT",
            "PGDATABASE", "PGUSER", "PGPASSWORD", "PGAPPNAME", "PGSERVICE", "PGSERVICEFILE");

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** The URL SQLAlchemy (and so Alembic's env.py) connects with. */
    public String sqlalchemyUrl() {
        return "postgresql://" + encode(user) + ":" + encode(password) + "@" + host + ":" + port + "/" + database;
    }

    /**
     * Points libpq's variables at this database, for child processes (alembic's psycopg2, psql, pg_restore):
     * the password travels in the environment, never on a command line.
     */
    public void libpqEnvironment(java.util.Map<String, String> env, String applicationName) {
        LIBPQ_DESTINATION.forEach(env::remove);
        env.put("PGHOST", host);
        env.put("PGPORT", Integer.toString(port));
        env.put("PGDATABASE", database);
        env.put("PGUSER", user);
        env.put("PGPASSWORD", password);
        env.put("PGAPPNAME", applicationName);
    }

    public DatabaseTarget withDatabase(String other) {
        return new DatabaseTarget(host, port, other, user, password);
    }

    @Override
    public String toString() {
        return "postgresql://" + user + "@" + host + ":" + port + "/" + database; // never the password
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
