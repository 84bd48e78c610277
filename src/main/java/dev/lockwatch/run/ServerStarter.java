package dev.lockwatch.run;

import dev.lockwatch.config.PostgresChoice;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.ContainerPostgresProvider;
import dev.lockwatch.postgres.DockerEngine;
import dev.lockwatch.postgres.EmbeddedBinaries;
import dev.lockwatch.postgres.EmbeddedPostgresProvider;
import dev.lockwatch.postgres.ExistingServer;
import dev.lockwatch.postgres.PostgresServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Chooses and starts the server a run uses, and says which. */
final class ServerStarter {
    /** Settings the watcher relies on: whole statements in pg_stat_activity; speed over durability. */
    static final Map<String, String> SERVER_CONFIG = Map.of(
            "track_activity_query_size", "16384",
            "fsync", "off",
            "synchronous_commit", "off",
            "full_page_writes", "off");

    /** What identifies an embedded server for the baseline cache: the major (its binaries version is pinned). */
    static String embeddedKey(VerifyConfig config) {
        return "embedded-" + config.pgVersion() + "-" + new java.util.TreeMap<>(SERVER_CONFIG);
    }

    private ServerStarter() {
    }

    /** @param savedBaseline an embedded data folder to start from, used only when the server is embedded */
    static PostgresServer start(VerifyConfig config, Workspace workspace, Consumer<String> progress,
                                Optional<Path> savedBaseline) {
        if (config.serverUrl() != null) {
            ExistingServer existing = ExistingServer.fromUrl(config.serverUrl());
            progress.accept("postgres: using the existing server " + ExistingServer.redact(config.serverUrl()));
            return existing.start();
        }
        PostgresChoice choice = config.postgres();
        EmbeddedBinaries binaries = choice == PostgresChoice.CONTAINER ? null
                : EmbeddedBinaries.of(config.pgVersion(), EmbeddedBinaries.Locations.fromEnvironment(), progress);
        if (choice == PostgresChoice.AUTO) {
            if (!DockerEngine.reachable()) {
                return embedded(config, binaries, workspace, progress, "no Docker engine reachable", savedBaseline);
            }
            if (!DockerEngine.hasImage(config.image())) {
                // the embedded server is the default's equal: only an image the user named is worth pulling
                boolean named = !config.image().equals("postgres:" + config.pgVersion());
                return embedded(config, binaries, workspace, progress, named ? "Docker is reachable but image " + config.image()
                        + " is not present; docker pull it, or pass --postgres container to pull it"
                        : "no " + config.image() + " image pulled", savedBaseline);
            }
            try {
                return container(config, progress, "a Docker engine is reachable");
            } catch (LockwatchException e) {
                progress.accept("postgres: " + e.getMessage() + "; falling back to embedded");
                return embedded(config, binaries, workspace, progress, "the container did not start", savedBaseline);
            }
        }
        return choice == PostgresChoice.CONTAINER
                ? container(config, progress, "--postgres container")
                : embedded(config, binaries, workspace, progress, "--postgres embedded", savedBaseline);
    }

    /** Whether the server's data may live in memory: a schema's data is small; a restored dump's or seeded rows' is the user's. */
    private static boolean dataOfKnownSize(VerifyConfig config) {
        return config.data().restore() == null && config.data().seedRows() == 0;
    }

    private static PostgresServer container(VerifyConfig config, Consumer<String> progress, String why) {
        progress.accept("postgres: starting container " + config.image() + " (" + why + ")");
        return new ContainerPostgresProvider(config.image(), SERVER_CONFIG, dataOfKnownSize(config)).start();
    }

    private static PostgresServer embedded(VerifyConfig config, EmbeddedBinaries binaries, Workspace workspace,
                                           Consumer<String> progress, String why, Optional<Path> savedBaseline) {
        boolean inMemory = dataOfKnownSize(config);
        progress.accept("postgres: starting embedded PostgreSQL " + binaries.major() + " (binaries " + binaries.version()
                + ", " + why + ")");
        return new EmbeddedPostgresProvider(binaries, workspace.serverFolder("pgdata", inMemory), SERVER_CONFIG,
                savedBaseline).start();
    }
}
