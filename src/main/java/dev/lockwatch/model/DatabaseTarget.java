package dev.lockwatch.model;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Where lockwatch's scratch database lives and how to log in to it. */
public record DatabaseTarget(String host, int port, String database, String user, String password) {

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** The URL SQLAlchemy (and so Alembic's env.py) connects with. */
    public String sqlalchemyUrl() {
        return "postgresql://" + encode(user) + ":" + encode(password) + "@" + host + ":" + port + "/" + database;
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
