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
    private final String image;
    private final Map<String, String> serverConfig;

    public ContainerPostgresProvider(String image, Map<String, String> serverConfig) {
        this.image = image;
        this.serverConfig = Map.copyOf(serverConfig);
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
