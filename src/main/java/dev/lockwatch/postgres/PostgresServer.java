package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;
import java.util.Optional;

/** A running Postgres lockwatch may create databases on. Closing it stops what lockwatch started. */
public interface PostgresServer extends AutoCloseable {

    /** A superuser (or the given user) connection to the maintenance database. */
    DatabaseTarget admin();

    /** {@code embedded}, {@code container} or {@code server}. */
    String provider();

    /** What exactly runs, e.g. the image name or binaries version. */
    String detail();

    /**
     * An empty database lockwatch made in advance, which nobody uses, for the run's scratch database to take by
     * renaming it (no CREATE DATABASE on the run's way); empty when there is none, and once it is taken.
     */
    default Optional<String> takeSpareDatabase() {
        return Optional.empty();
    }

    /**
     * Whether its close removes the server with all its data (lockwatch's own embedded server or container), so
     * that a database in it needs no drop of its own before.
     */
    default boolean throwaway() {
        return false;
    }

    @Override
    void close();
}
