package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.Leftovers;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Shell;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python package as a user gets it: scripts/package writes the wheel, pip installs it offline into a
 * virtualenv that sees Debian's alembic, and its {@code lockwatch} command verifies a copy of the bundled example
 * through that virtualenv's Python, so env.py imports a module only the virtualenv has.
 */
class PythonPackageTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String FROM = "a1f3c2d4e5b6";

    @TempDir
    static Path dir;
    static Path venv;

    @BeforeAll
    static void installTheWheel() throws IOException {
        Path dist = dir.resolve("dist");
        String printed = Shell.check(Path.of("."), Map.of(), 120,
                List.of("scripts/package", "--jar", jarOfTheseClasses().toString(), "--dist", dist.toString()));
        Path wheel = Path.of(printed.lines().filter(l -> l.endsWith(".whl")).findFirst().orElseThrow());
        assertEquals("lockwatch-" + System.getProperty("lockwatch.expected.version").replace("-SNAPSHOT", ".dev0")
                + "-py3-none-any.whl", wheel.getFileName().toString());
        assertTrue(Files.isRegularFile(dist.resolve("lockwatch-" + System.getProperty("lockwatch.expected.version") + ".jar")));

        venv = dir.resolve("venv");
        Shell.check(dir, Map.of(), 300, List.of(PYTHON.toString(), "-m", "venv", "--system-site-packages", venv.toString()));
        Shell.check(dir, Map.of(), 300, List.of(venv.resolve("bin/pip").toString(), "install", "--quiet", "--no-index",
                "--disable-pip-version-check", wheel.toString()));
        // the user's application: importable in the virtualenv only, as a project's own package is
        String purelib = Shell.check(dir, Map.of(), 60, List.of(venv.resolve("bin/python").toString(), "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])")).strip();
        Files.writeString(Path.of(purelib, "lockwatch_wheel_app.py"), "NAME = 'shop'\n");
    }

    @Test
    void theInstalledCommandVerifiesTheExampleWithTheVirtualenvsAlembic() throws IOException {
        Path project = dir.resolve("example");
        Shell.copyTree(Path.of("src/example"), project);
        Path envPy = project.resolve("migrations/env.py");
        Files.writeString(envPy, "import lockwatch_wheel_app  # only the virtualenv has it\n" + Files.readString(envPy));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Leftovers before = Leftovers.in(tmp.toFile());

        Lockwatch.Result result = Shell.run(project, Map.of("JDK_JAVA_OPTIONS", "-Djava.io.tmpdir=" + tmp), 600,
                List.of(venv.resolve("bin/lockwatch").toString(), "verify", "--from", FROM, "--postgres", "embedded",
                        "--no-cache", "--format", "json"));

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(List.of("non-concurrent-index", "missing-lock-timeout"), result.rules("b2e4d3c5f6a7"));
        assertEquals(List.of("non-concurrent-index"), result.rules("d4b6f5e7c8d9"));
        assertEquals(List.of("table-rewrite"), result.rules("a7e9d8f0a1b2"));
        before.assertNothingNewIn(tmp.toFile());
    }

    @Test
    void aLongChainStaysUnder256MbPeakMemory() throws IOException {
        Path chain = dir.resolve("chain");
        Shell.check(Path.of("."), Map.of(), 60, List.of("scripts/bench-chain.py", chain.toString(), "288"));
        Path tmp = Files.createDirectories(dir.resolve("tmp-chain"));

        // GNU time's %M: the launcher execs java, so this is the JVM's peak resident memory
        Lockwatch.Result result = Shell.run(dir, Map.of("JDK_JAVA_OPTIONS", "-Djava.io.tmpdir=" + tmp), 900,
                List.of("/usr/bin/time", "-f", "peak-kb %M", venv.resolve("bin/lockwatch").toString(), "verify", "-c",
                        chain.resolve("alembic.ini").toString(), "--postgres", "embedded", "--no-cache",
                        // the JVM's own peak: the round trip and the retry trials add time, not JVM memory
                        "--no-downgrade-check", "--rule", "retry-unsafe=off", "--format", "json",
                        "-o", dir.resolve("chain.json").toString()));

        // 1 is findings: each revision is its own deploy, so the tables earlier revisions created are busy
        assertTrue(result.exitCode() <= 1, "ran to the end: " + result.describe());
        long peakKb = Long.parseLong(result.err().lines().filter(l -> l.startsWith("peak-kb ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no peak in " + result.err())).substring("peak-kb ".length()).strip());
        assertTrue(peakKb < 256 * 1024, "peak RSS " + peakKb / 1024 + " MB on 288 revisions");
    }

    @Test
    void withoutJavaItSaysHowToGetOneAndExits3() {
        // the console script's #! names the virtualenv's Python: PATH needs nothing else, and has no java
        Map<String, String> environment = new HashMap<>(Map.of("PATH", venv.resolve("bin").toString()));
        environment.put("JAVA_HOME", null);

        Lockwatch.Result result = Shell.run(dir, environment, 60, List.of(venv.resolve("bin/lockwatch").toString(), "verify"));

        assertEquals(3, result.exitCode(), result.describe());
        assertEquals(1, result.err().lines().count(), result.err());
        assertTrue(result.err().startsWith("lockwatch: no Java found on PATH or in JAVA_HOME")
                && result.err().contains("openjdk-17-jre-headless"), result.err());
    }

    /**
     * A jar that runs these classes as the built one does (Main-Class, the shared jvm.options, the version),
     * its classes on the manifest's Class-Path: the test phase runs before Maven's package phase.
     */
    private static Path jarOfTheseClasses() throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.lockwatch.cli.Main");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Arrays.stream(System.getProperty("java.class.path")
                .split(File.pathSeparator)).map(p -> Path.of(p).toAbsolutePath().toUri().toString()).collect(Collectors.joining(" ")));
        Path jar = dir.resolve("lockwatch-under-test.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            for (String resource : List.of("dev/lockwatch/cli/jvm.options", "dev/lockwatch/report/version.properties")) {
                out.putNextEntry(new JarEntry(resource));
                try (var in = PythonPackageTest.class.getClassLoader().getResourceAsStream(resource)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }
}
