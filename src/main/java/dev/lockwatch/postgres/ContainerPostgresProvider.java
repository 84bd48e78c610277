package dev.lockwatch.postgres;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** A Postgres container started with Testcontainers from any image compatible with the official one. */
public final class ContainerPostgresProvider implements PostgresProvider {
    /**
     * The data folder when it lives in memory: below a tmpfs any user may write in, so an image whose entrypoint runs
     * as another user than root still creates it (the official one and its compatibles honour PGDATA).
     */
    static final String MEMORY_PGDATA = "/var/lib/lockwatch/pgdata";
    private final String image;
    private final Map<String, String> serverConfig;
    private final boolean inMemory;

    /** @param inMemory the server's data on a tmpfs in the container (as the embedded server's in /dev/shm) */
    public ContainerPostgresProvider(String image, Map<String, String> serverConfig, boolean inMemory) {
        this.image = image;
        this.serverConfig = Map.copyOf(serverConfig);
        this.inMemory = inMemory;
    }

    @Override
    public PostgresServer start() {
        if (!DockerEngine.reachable()) {
            throw LockwatchException.environment("--postgres container needs a Docker engine and none is reachable"
                    + " (set DOCKER_HOST or start dockerd), or use --postgres embedded");
        }
        List<String> command = new ArrayList<>(List.of("postgres", "-c", "fsync=off"));
        serverConfig.forEach((key, value) -> command.addAll(List.of("-c", key + "=" + value)));
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(
                DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
                .withUsername("lockwatch")
                .withPassword("lockwatch")
                .withDatabaseName("postgres")
                .withCommand(command.toArray(String[]::new));
        if (inMemory) {
            container.withEnv("PGDATA", MEMORY_PGDATA).withTmpFs(Map.of("/var/lib/lockwatch", "rw,mode=1777"));
        }
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw LockwatchException.environment("container " + image + " did not start: " + rootMessage(e), e);
        }
        return new Running(container, image);
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? e.getMessage() : cause.getMessage();
    }

    private record Running(PostgreSQLContainer<?> container, String image) implements PostgresServer {
        @Override
        public DatabaseTarget admin() {
            return new DatabaseTarget(container.getHost(), container.getMappedPort(5432), "postgres",
                    container.getUsername(), container.getPassword());
        }

        @Override
        public boolean throwaway() {
            return true;
        }

        @Override
        public String provider() {
            return "container";
        }

        @Override
        public String detail() {
            String id = container.getContainerId();
            return "image " + image + ", container " + (id == null ? "?" : id.substring(0, Math.min(12, id.length())));
        }

        @Override
        public void close() {
            container.stop();
        }
    }
}
