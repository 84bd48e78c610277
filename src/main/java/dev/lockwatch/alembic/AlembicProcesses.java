package dev.lockwatch.alembic;

import dev.lockwatch.model.DatabaseTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What every alembic process lockwatch starts shares: its environment, how to stop it, how to find Python. */
final class AlembicProcesses {
    private AlembicProcesses() {
    }

    /**
     * Points everything an env.py may read at the scratch database: the URL variable and the libpq variables,
     * so an env.py that builds its own URL lands there too.
     */
    static void environment(Map<String, String> env, DatabaseTarget target, String urlVariable, String applicationName) {
        env.put(urlVariable, target.sqlalchemyUrl());
        env.put("PGHOST", target.host());
        env.put("PGPORT", Integer.toString(target.port()));
        env.put("PGDATABASE", target.database());
        env.put("PGUSER", target.user());
        env.put("PGPASSWORD", target.password());
        env.put("PGAPPNAME", applicationName);
        env.remove("PGSERVICE");
        env.remove("PGSERVICEFILE");
        env.put("PYTHONDONTWRITEBYTECODE", "1"); // leave no __pycache__ in the user's project
        env.put("PYTHONUNBUFFERED", "1");
    }

    static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The interpreter that runs {@code command} when it is a single Python script (a pip, virtualenv or Debian
     * alembic), read from its {@code #!} line; empty for anything else, e.g. {@code poetry run alembic}.
     */
    static Optional<List<String>> pythonOf(List<String> command) {
        if (command.size() != 1) {
            return Optional.empty();
        }
        return executable(command.get(0)).flatMap(AlembicProcesses::shebang)
                .filter(words -> words.stream().anyMatch(w -> w.contains("python")));
    }

    private static Optional<Path> executable(String program) {
        if (program.contains("/")) {
            return Optional.of(Path.of(program)).filter(Files::isExecutable);
        }
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, program)).filter(Files::isExecutable).findFirst();
    }

    private static Optional<List<String>> shebang(Path script) {
        try (var reader = Files.newBufferedReader(script)) {
            String first = reader.readLine();
            if (first == null || !first.startsWith("#!")) {
                return Optional.empty();
            }
            return Optional.of(List.of(first.substring(2).trim().split("\\s+")));
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty(); // a binary or unreadable launcher: one process per command then
        }
    }
}
