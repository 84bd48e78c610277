package dev.lockwatch.postgres;

/** One way of obtaining a Postgres server. */
public interface PostgresProvider {

    /** Starts (or connects to) a server; the caller closes it. */
    PostgresServer start();
}
