package dev.lockwatch.postgres;

import java.nio.file.Path;

/** A server whose whole data folder lockwatch can save, so a later run can start from it. */
public interface SnapshotServer {

    /** Stops the server briefly, copies its data folder to {@code folder} and starts it again on the same port. */
    void saveDataTo(Path folder);
}
