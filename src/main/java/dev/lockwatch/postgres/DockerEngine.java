package dev.lockwatch.postgres;

import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Asks the Docker engine directly, with short timeouts. Testcontainers' own availability check starts its
 * Ryuk container, which hangs for minutes where no image can be pulled.
 */
public final class DockerEngine {
    private static final String DEFAULT_SOCKET = "/var/run/docker.sock";

    private DockerEngine() {
    }

    public static boolean reachable() {
        return status("/_ping") == 200;
    }

    /** Whether {@code image} is present in the engine already, so starting it needs no pull. */
    public static boolean hasImage(String image) {
        return status("/images/" + image + "/json") == 200;
    }

    private static int status(String path) {
        String host = System.getenv("DOCKER_HOST");
        if (host == null || host.isBlank()) {
            if (!Files.exists(Path.of(DEFAULT_SOCKET))) {
                return -1;
            }
            host = "unix://" + DEFAULT_SOCKET;
        }
        try (DockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(URI.create(host))
                .connectionTimeout(Duration.ofSeconds(2))
                .responseTimeout(Duration.ofSeconds(5))
                .build();
             DockerHttpClient.Response response = http.execute(DockerHttpClient.Request.builder()
                     .method(DockerHttpClient.Request.Method.GET).path(path).build())) {
            return response.getStatusCode();
        } catch (Exception unreachable) {
            return -1;
        }
    }
}
