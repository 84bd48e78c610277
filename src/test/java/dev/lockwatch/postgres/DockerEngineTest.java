package dev.lockwatch.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's status over its Unix socket, against a socket that answers as the engine does, or does not. */
class DockerEngineTest {
    @TempDir
    Path dir;

    /** Accepts one connection, reads the request, answers {@code answer} (null: never answers). */
    private Thread engine(ServerSocketChannel listener, String answer, AtomicReference<String> request) {
        Thread thread = new Thread(() -> {
            try (SocketChannel client = listener.accept()) {
                ByteBuffer in = ByteBuffer.allocate(1024);
                client.read(in);
                request.set(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
                if (answer == null) {
                    Thread.sleep(7000);
                } else {
                    client.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)));
                }
            } catch (Exception ignored) {
                // the test ended
            }
        });
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Test
    void theStatusLineOfTheEnginesAnswer() throws Exception {
        Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            AtomicReference<String> request = new AtomicReference<>();
            engine(listener, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"message\":\"No such image\"}", request);

            assertEquals(404, DockerEngine.overUnixSocket(socket, "/images/postgres:16/json"));
            assertTrue(request.get().startsWith("GET /images/postgres:16/json HTTP/1.0\r\n"), request.get());
        }
    }

    @Test
    void aDeadSocketOrASilentEngineIsUnreachableWithinTheTimeout() throws Exception {
        Path socket = dir.resolve("docker.sock");
        Files.createFile(socket); // a socket file nobody listens on, as a stopped engine leaves it
        assertEquals(-1, DockerEngine.overUnixSocket(socket, "/_ping"));

        Path silent = dir.resolve("silent.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(silent));
            engine(listener, null, new AtomicReference<>());
            long started = System.nanoTime();
            assertEquals(-1, DockerEngine.overUnixSocket(silent, "/_ping"));
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertTrue(seconds >= 4 && seconds <= 6, seconds + " s");
        }
    }
}
