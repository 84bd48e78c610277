package dev.lockwatch.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs classes of lockwatch's alembic driver (lockwatch_driver.py) alone, without alembic, from a Python script. */
public final class DriverClasses {
    private DriverClasses() {
    }

    /**
     * Python lines that run one class of the driver (argv[1]) alone: it lands in {@code namespace}, which starts as
     * {@code globals} (a dict literal of what the class uses). The script imports ast and sys.
     */
    public static String driverClass(String name, String globals) {
        return """
                tree = ast.parse(open(sys.argv[1]).read())
                cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "%s")
                namespace = %s
                exec(compile(ast.Module(body=[cls], type_ignores=[]), "driver", "exec"), namespace)
                """.formatted(name, globals);
    }

    /**
     * Runs a Python script with the driver's path as its first argument, then {@code arguments}; its output, once it
     * exited 0.
     */
    public static String runWithDriver(Path script, String... arguments) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/python3", script.toString(),
                Path.of("src/main/resources/dev/lockwatch/alembic/lockwatch_driver.py").toAbsolutePath().toString()));
        argv.addAll(List.of(arguments));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
