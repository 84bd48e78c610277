package dev.lockwatch.alembic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** How to find the Python that runs an alembic command, so one driver process can run all its commands. */
final class AlembicProcesses {
    private AlembicProcesses() {
    }

    /**
     * The interpreter that runs {@code command} when it is a single Python script (a pip, virtualenv or Debian
     * alembic), read from its {@code #!} line, or the Python of {@code PYTHON -m alembic} (how the Python package's
     * launcher runs it); empty for anything else, e.g. {@code poetry run alembic}.
     */
    static Optional<List<String>> pythonOf(List<String> command) {
        if (command.size() == 3 && command.subList(1, 3).equals(List.of("-m", "alembic"))
                && Path.of(command.get(0)).getFileName().toString().startsWith("python")) {
            return executable(command.get(0)).map(python -> List.of(python.toString()));
        }
        if (command.size() != 1) {
            return Optional.empty();
        }
        return executable(command.get(0)).flatMap(AlembicProcesses::shebang)
                .filter(words -> words.stream().anyMatch(w -> w.contains("python")));
    }

    /** The program as a shell would find it: a path, or the first executable of that name on PATH. */
    static Optional<Path> executable(String program) {
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
