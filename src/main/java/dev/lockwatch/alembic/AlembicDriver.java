package dev.lockwatch.alembic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockwatch.process.OwnedProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One long-lived Python process that runs alembic commands in turn through alembic's command API
 * (lockwatch_driver.py), instead of one interpreter start per revision.
 */
final class AlembicDriver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EOF = "\u0000eof";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

    private final Process process;
    private final Writer requests;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Path log;

    private AlembicDriver(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.requests = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> readAnswers(process.getInputStream()), "lockwatch-alembic-driver");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the driver without waiting for it: Python's start and alembic's imports overlap whatever the caller
     * does next (starting the server). It learns the database only from {@link #environment}, so nothing it runs
     * before that can reach one.
     */
    static AlembicDriver launch(List<String> python, Path workFolder, Path iniCopy, String section, Path projectFolder,
                                Consumer<Map<String, String>> environment) throws IOException {
        Path script = workFolder.resolve("lockwatch_driver.py");
        try (InputStream in = AlembicDriver.class.getResourceAsStream("lockwatch_driver.py")) {
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> argv = new ArrayList<>(python);
        argv.addAll(List.of(script.toString(), iniCopy.toString(), section));
        Path log = workFolder.resolve("alembic-driver.log");
        ProcessBuilder builder = new ProcessBuilder(argv).directory(projectFolder.toFile())
                .redirectError(log.toFile());
        environment.accept(builder.environment());
        return new AlembicDriver(builder.start(), log);
    }

    /** Waits until the driver has imported alembic; false (and the driver ended) when this Python has none. */
    boolean awaitReady() {
        Optional<JsonNode> ready = answer(READY_TIMEOUT);
        if (ready.isEmpty() || !ready.get().path("ready").asBoolean()) {
            close();
            return false;
        }
        return true;
    }

    /** Sets these variables in the driver's environment and removes those mapped to null, for the next commands. */
    boolean environment(Map<String, String> variables) {
        var set = JSON.createObjectNode();
        variables.forEach(set::put);
        return request(JSON.createObjectNode().put("op", "env").set("env", set)).isPresent();
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * Runs one command; a timeout or a dead driver ends the driver and says so in the result. With
     * {@code reportGates}, its sessions report lockwatch's gates in-band rather than wait there, and the result
     * carries the reports.
     */
    AlembicResult run(String op, String revision, String applicationName, boolean reportGates, Duration timeout) {
        long started = System.nanoTime();
        var request = JSON.createObjectNode().put("op", op).put("app", applicationName);
        if (revision != null) {
            request.put("rev", revision);
        }
        if (reportGates) {
            request.put("report_gates", true);
        }
        if (!send(request)) {
            return new AlembicResult(-1, "the alembic driver ended: " + tail(), elapsed(started), false);
        }
        Optional<JsonNode> answer = answer(timeout);
        long duration = elapsed(started);
        if (answer.isEmpty()) {
            boolean timedOut = process.isAlive();
            close();
            return new AlembicResult(-1, timedOut ? "" : "the alembic driver ended: " + tail(), duration, timedOut);
        }
        boolean ok = answer.get().path("ok").asBoolean();
        List<String> gates = new ArrayList<>();
        answer.get().path("gates").forEach(gate -> gates.add(gate.asText()));
        return new AlembicResult(ok ? 0 : 1, answer.get().path("error").asText(""), duration, false, gates);
    }

    /** A request the driver answers at once; empty (and the driver ended) when it did not. */
    private Optional<JsonNode> request(JsonNode request) {
        Optional<JsonNode> answer = send(request) ? answer(READY_TIMEOUT) : Optional.empty();
        if (answer.isEmpty() || !answer.get().path("ok").asBoolean()) {
            close();
            return Optional.empty();
        }
        return answer;
    }

    private boolean send(JsonNode request) {
        try {
            requests.write(JSON.writeValueAsString(request) + "\n");
            requests.flush();
            return true;
        } catch (IOException e) {
            close();
            return false;
        }
    }

    private Optional<JsonNode> answer(Duration timeout) {
        try {
            String line = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null || line.equals(EOF)) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(line));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void readAnswers(InputStream in) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                answers.add(line);
            }
        } catch (IOException ignored) {
            // the process ended; the EOF marker below says so
        }
        answers.add(EOF);
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 12), lines.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static long elapsed(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            OwnedProcess.destroyTree(process);
        }
    }
}
