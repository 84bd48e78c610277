package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockwatch.postgres.DockerEngine;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Testcontainers back end against a real Docker engine. Skipped, and reported as skipped, where no engine
 * or no image is at hand; CI starts one with scripts/docker-up and builds the local image.
 */
class ContainerProviderTest {
    private static final String IMAGE = System.getenv().getOrDefault("LOCKWATCH_TEST_IMAGE", "lockwatch/postgres-local:15");

    @TempDir
    Path dir;

    @BeforeAll
    static void dockerIsThere() {
        assumeTrue(DockerEngine.reachable(), "no Docker engine reachable (start one with scripts/docker-up)");
        assumeTrue(DockerEngine.hasImage(IMAGE), "image " + IMAGE + " is not present (scripts/docker-up builds it)");
        assumeTrue("true".equals(System.getenv("TESTCONTAINERS_RYUK_DISABLED")),
                "Testcontainers' Ryuk image cannot be pulled here: run with the environment scripts/docker-up prints");
    }

    @Test
    void verifiesAChainInAContainerAndRemovesIt() throws Exception {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))")
                .revision("r2", "r1", "op.create_index('ix_orders_n', 'orders', ['n'])");
        List<String> containersBefore = containers();

        Result result = Lockwatch.run("verify", "-c", project.ini().toString(), "--from", "r1", "--postgres", "container",
                "--image", IMAGE, "--format", "json");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("container", result.json().get("postgres").get("provider").asText());
        assertEquals(15, result.json().get("postgres").get("major_version").asInt());
        assertEquals(List.of("non-concurrent-index"), result.errors("r2"));
        assertEquals(containersBefore, containers(), "the container must be gone");
    }

    private static List<String> containers() throws Exception {
        Process ps = new ProcessBuilder("docker", "ps", "-aq").redirectErrorStream(true).start();
        String out = new String(ps.getInputStream().readAllBytes());
        ps.waitFor(30, TimeUnit.SECONDS);
        return out.lines().sorted().toList();
    }
}
