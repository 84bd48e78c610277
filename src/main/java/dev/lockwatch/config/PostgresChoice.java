package dev.lockwatch.config;

/** How lockwatch obtains its Postgres. */
public enum PostgresChoice {
    /** A container when a Docker engine is reachable, else embedded. */
    AUTO,
    EMBEDDED,
    CONTAINER
}
