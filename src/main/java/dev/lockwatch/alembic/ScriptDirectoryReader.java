package dev.lockwatch.alembic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.process.OwnedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Reads the revision graph through alembic's own {@code ScriptDirectory}, in the Python that runs the user's
 * alembic (lockwatch_driver.py's one-shot {@code --graph} mode): ids, parents, {@code depends_on} as alembic
 * resolves it, branch labels, file paths and messages, in alembic's upgrade order. Whatever alembic accepts is
 * accepted; what it refuses is a usage error quoting it. When no Python can be found behind the alembic command,
 * {@code alembic history --verbose} is parsed instead, as a last resort.
 */
public final class ScriptDirectoryReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final Pattern PYTHON = Pattern.compile("python[0-9.]*");

    private final AlembicIni ini;
    private final List<String> command;
    private final String urlVariable;
    private final Optional<AlembicRunner> shared;

    public ScriptDirectoryReader(AlembicIni ini, List<String> command, String urlVariable) {
        this(ini, command, urlVariable, Optional.empty());
    }

    /**
     * @param shared the run's alembic, whose long-lived driver (when it has one) reads the graph instead of a
     *               one-shot Python: one interpreter start less, and the script directory it reads is the one the
     *               upgrades then run
     */
    public ScriptDirectoryReader(AlembicIni ini, List<String> command, String urlVariable,
                                 Optional<AlembicRunner> shared) {
        this.ini = ini;
        this.command = List.copyOf(command);
        this.urlVariable = urlVariable;
        this.shared = shared;
    }

    /** Every revision of the script directory, in alembic's upgrade order (base first). */
    public List<Revision> revisions() {
        Optional<JsonNode> driverAnswer = shared.flatMap(AlembicRunner::graphFromDriver);
        if (driverAnswer.isPresent() && driverAnswer.get().path("graph").asBoolean()) {
            return answer(driverAnswer.get()).revisions();
        }
        return read(List.of()).revisions(); // no driver, or one that failed outside alembic's graph: as ever
    }

    /**
     * The revision ids that files no longer in the work tree declared (a branch deleted them), read by alembic's
     * module loader from their old text, saved under the given paths; a file it cannot load has none. Always in a
     * one-shot Python: what their old imports leave behind must not stay in the driver that runs the upgrades.
     */
    public Map<Path, String> deletedRevisions(Collection<Path> savedOldFiles) {
        return read(savedOldFiles).deleted();
    }

    private record Answer(List<Revision> revisions, Map<Path, String> deleted) {
    }

    private Answer read(Collection<Path> deleted) {
        AlembicRunner.requireInstalled(command);
        Optional<List<String>> python = python();
        if (python.isPresent()) {
            List<String> argv = new ArrayList<>(python.get());
            argv.addAll(List.of("-c", driverSource(), ini.file().toString(), ini.section(), "--graph"));
            StringBuilder input = new StringBuilder();
            deleted.forEach(file -> input.append(file).append('\n'));
            Output out = run(argv, input.toString());
            Optional<JsonNode> answer = lastJsonLine(out.stdout());
            if (answer.isPresent() && answer.get().has("ok")) {
                return answer(answer.get());
            }
            if (answer.isEmpty() && !deleted.isEmpty()) {
                throw failed(out);
            }
            // this Python has no alembic (a wrapper whose python is another one): ask the alembic command itself
        }
        if (!deleted.isEmpty()) {
            return new Answer(List.of(), Map.of());
        }
        return new Answer(AlembicHistory.parse(history(), ini.folder()), Map.of());
    }

    /**
     * The Python behind the alembic command: a Python script's interpreter ({@code #!}), the interpreter a command
     * such as {@code python3 -m alembic} names first, or a wrapper's ({@code poetry run alembic} becomes
     * {@code poetry run python}).
     */
    Optional<List<String>> python() {
        Optional<List<String>> script = AlembicProcesses.pythonOf(command);
        if (script.isPresent()) {
            return script;
        }
        if (PYTHON.matcher(Path.of(command.get(0)).getFileName().toString()).matches()) {
            return Optional.of(List.of(command.get(0)));
        }
        String last = command.get(command.size() - 1);
        if (command.size() > 1 && Path.of(last).getFileName().toString().equals("alembic")) {
            List<String> wrapper = new ArrayList<>(command.subList(0, command.size() - 1));
            wrapper.add("python");
            return Optional.of(wrapper);
        }
        return Optional.empty();
    }

    private Answer answer(JsonNode answer) {
        if (!answer.path("ok").asBoolean()) {
            throw LockwatchException.usage("alembic cannot read the revisions of " + ini.file() + ": "
                    + answer.path("error").asText() + " (alembic history fails the same way)");
        }
        List<Revision> revisions = new ArrayList<>();
        for (JsonNode node : answer.path("revisions")) {
            revisions.add(new Revision(node.path("id").asText(), strings(node.path("down_revisions")),
                    strings(node.path("depends_on")), strings(node.path("branch_labels")),
                    Path.of(node.path("path").asText()), node.path("message").asText("")));
        }
        Map<Path, String> deleted = new HashMap<>();
        answer.path("deleted").fields().forEachRemaining(e -> {
            if (e.getValue().isTextual()) {
                deleted.put(Path.of(e.getKey()), e.getValue().asText());
            }
        });
        return new Answer(revisions, deleted);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private String history() {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of("-c", ini.file().toString(), "-n", ini.section(), "history", "--verbose"));
        Output out = run(argv, "");
        if (out.exitCode() != 0) {
            throw failed(out);
        }
        return out.stdout();
    }

    private LockwatchException failed(Output out) {
        String[] lines = (out.stderr() + "\n" + out.stdout()).strip().split("\n");
        return LockwatchException.usage("alembic cannot read the revisions of " + ini.file() + ": "
                + lines[lines.length - 1].strip() + " (ran " + String.join(" ", command) + ")");
    }

    private record Output(int exitCode, String stdout, String stderr) {
    }

    /** Runs one short Python or alembic command in the ini's folder, with nothing that names a database. */
    private Output run(List<String> argv, String input) {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(ini.folder().toFile());
        DatabaseTarget.LIBPQ_DESTINATION.forEach(builder.environment()::remove);
        builder.environment().remove(urlVariable);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // leave no __pycache__ in the user's project
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw LockwatchException.environment("cannot run '" + String.join(" ", command) + "': " + e.getMessage());
        }
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> text(process.getInputStream()));
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> text(process.getErrorStream()));
        try (var stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // it ended before reading its input: its output says why
        }
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                OwnedProcess.destroyTree(process);
                throw LockwatchException.environment("alembic took more than " + TIMEOUT.toMinutes()
                        + " minutes to read the revisions of " + ini.file());
            }
            return new Output(process.exitValue(), stdout.join(), stderr.join());
        } catch (InterruptedException e) {
            OwnedProcess.destroyTree(process);
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while alembic read the revisions");
        }
    }

    private static String text(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<JsonNode> lastJsonLine(String stdout) {
        String[] lines = stdout.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith("{")) {
                try {
                    return Optional.of(JSON.readTree(lines[i]));
                } catch (IOException notJson) {
                    // something the user's code printed: keep looking
                }
            }
        }
        return Optional.empty();
    }

    private static String driverSource() {
        try (InputStream in = ScriptDirectoryReader.class.getResourceAsStream("lockwatch_driver.py")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
