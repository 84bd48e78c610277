package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockwatch.postgres.DockerEngine;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image as CI uses it: scripts/docker-build builds it (on a base made from Debian's packages where no registry
 * answers), and it verifies a copy of the bundled example as a non-root --user. Skipped, and reported as skipped,
 * where no Docker engine is reachable; scripts/test starts one with scripts/docker-up. Uses target/lockwatch.jar,
 * which scripts/setup (run by scripts/test) builds before the tests.
 */
class DockerImageTest {
    /** A caller that is not root (this suite may run as root): the report must belong to this UID. */
    private static final int CALLER = 4321;
    private static final Path JAR = Path.of("target/lockwatch.jar");

    @TempDir
    Path dir;

    @Test
    void theImageVerifiesTheExampleAsTheCallerAndLeavesNothingRunning() throws Exception {
        assumeTrue(DockerEngine.reachable(), "no Docker engine reachable (scripts/test starts one with scripts/docker-up)");
        assertTrue(Files.isRegularFile(JAR) && newestSource().compareTo(Files.getLastModifiedTime(JAR)) <= 0,
                "target/lockwatch.jar is missing or older than src/main/java or src/main/resources: run scripts/setup or mvn -DskipTests package");
        String tag = "lockwatch-test:" + UUID.randomUUID().toString().substring(0, 8);
        String built = Shell.check(Path.of("."), Map.of(), 3600, List.of("scripts/docker-build", "--tag", tag)).strip();
        assertEquals(tag, built);
        String container = "lockwatch-test-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            Path project = dir.resolve("project");
            Shell.copyTree(Path.of("src/example"), project);
            Shell.check(dir, Map.of(), 60, List.of("chown", "-R", CALLER + ":" + CALLER, project.toString()));

            Lockwatch.Result result = Shell.run(dir, Map.of(), 900, List.of("docker", "run", "--rm", "--name", container,
                    "--user", CALLER + ":0", "-v", project + ":/src", "-w", "/src", tag,
                    "verify", "--from", "a1f3c2d4e5b6", "--no-cache", "--report", "json=out/lockwatch.json"));

            assertEquals(1, result.exitCode(), result.describe());
            assertTrue(result.out().contains("FAILED: 6 revision(s)"), result.out());
            Path report = project.resolve("out/lockwatch.json");
            Lockwatch.Result json = new Lockwatch.Result(1, Files.readString(report), "");
            assertEquals(List.of("non-concurrent-index", "missing-lock-timeout"), json.rules("b2e4d3c5f6a7"));
            assertEquals(List.of("table-rewrite"), json.rules("a7e9d8f0a1b2"));
            assertEquals(CALLER, (int) Files.getAttribute(report, "unix:uid"), "the report belongs to the caller");
            assertEquals("embedded", new ObjectMapper().readTree(report.toFile()).get("postgres").get("provider").asText());
            assertEquals("", Shell.check(dir, Map.of(), 60, List.of("docker", "ps", "-aq", "--filter", "name=" + container)),
                    "the container is gone");
        } finally {
            Shell.run(dir, Map.of(), 120, List.of("docker", "rm", "-f", container));
            Shell.run(dir, Map.of(), 120, List.of("docker", "image", "rm", tag));
        }
    }

    private static FileTime newestSource() throws java.io.IOException {
        try (Stream<Path> files = Stream.of("java", "resources", "resources-filtered").map(Path.of("src/main")::resolve)
                .flatMap(DockerImageTest::walk)) {
            return files.filter(Files::isRegularFile).map(p -> {
                try {
                    return Files.getLastModifiedTime(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).max(FileTime::compareTo).orElseThrow();
        }
    }

    private static Stream<Path> walk(Path folder) {
        try {
            return Files.walk(folder);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
