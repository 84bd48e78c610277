package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.TestDocker;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Testcontainers back end against a real Docker engine. Skipped, and reported as skipped, where no engine
 * or no image is at hand; CI starts one with scripts/docker-up and builds the local image.
 */
class ContainerProviderTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void dockerIsThere() {
        TestDocker.assumeAvailable();
    }

    @Test
    void verifiesAChainInAContainerAndRemovesIt() throws Exception {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))")
                .revision("r2", "r1", "op.create_index('ix_orders_n', 'orders', ['n'])");
        Result result = Lockwatch.run("verify", "-c", project.ini().toString(), "--from", "r1", "--postgres", "container",
                "--image", TestDocker.IMAGE, "--format", "json");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("container", result.json().get("postgres").get("provider").asText());
        assertEquals(15, result.json().get("postgres").get("major_version").asInt());
        assertEquals(List.of("non-concurrent-index"), result.errors("r2"));
        String container = TestDocker.containerOf(result.json().get("postgres").get("detail").asText());
        assertFalse(TestDocker.containers().contains(container), "container " + container + " must be gone");
    }
}
