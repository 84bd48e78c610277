package dev.lockwatch.postgres;

import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
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
        if (host.startsWith("unix://")) {
            return overUnixSocket(Path.of(host.substring("unix://".length())), path);
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

    /**
     * One HTTP/1.0 GET on the engine's Unix socket, answered within 5 s, for the status line alone: loading
     * docker-java's client for it takes 0.2 to 0.4 s of every run's start, also where the socket is dead.
     */
    static int overUnixSocket(Path socket, String path) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             Selector selector = Selector.open()) {
            channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer answer = ByteBuffer.allocate(64);
            while (answer.hasRemaining() && System.nanoTime() < deadline) {
                selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                selector.selectedKeys().clear();
                if (channel.read(answer) < 0) {
                    break;
                }
            }
            // "HTTP/1.1 200 OK"
            String[] status = new String(answer.array(), 0, answer.position(), StandardCharsets.US_ASCII).split(" ", 3);
            return status.length >= 2 && status[0].startsWith("HTTP/") ? Integer.parseInt(status[1]) : -1;
        } catch (IOException | RuntimeException unreachable) {
            return -1;
        }
    }
}
