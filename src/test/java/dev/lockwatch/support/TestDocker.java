package dev.lockwatch.support;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockwatch.postgres.DockerEngine;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Docker engine and local image container tests use. Tests call {@link #assumeAvailable()} so they are
 * reported as skipped where no engine or no image is at hand; CI starts one with scripts/docker-up.
 */
public final class TestDocker {
    public static final String IMAGE = System.getenv().getOrDefault("LOCKWATCH_TEST_IMAGE", "lockwatch/postgres-local:15");

    private TestDocker() {
    }

    public static void assumeAvailable() {
        assumeTrue(DockerEngine.reachable(), "no Docker engine reachable (start one with scripts/docker-up)");
        assumeTrue(DockerEngine.hasImage(IMAGE), "image " + IMAGE + " is not present (scripts/docker-up builds it)");
        assumeTrue("true".equals(System.getenv("TESTCONTAINERS_RYUK_DISABLED")),
                "Testcontainers' Ryuk image cannot be pulled here: run with the environment scripts/docker-up prints");
    }

    /** The short container id in a report's or progress line's "container 0123456789ab". */
    public static String containerOf(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("container ([0-9a-f]{12})").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no container id in: " + text);
        }
        return m.group(1);
    }

    /** Every container id, running or not ({@code docker ps -aq}), sorted. */
    public static List<String> containers() throws Exception {
        Process ps = new ProcessBuilder("docker", "ps", "-aq").redirectErrorStream(true).start();
        String out = new String(ps.getInputStream().readAllBytes());
        ps.waitFor(30, TimeUnit.SECONDS);
        return out.lines().sorted().toList();
    }
}
