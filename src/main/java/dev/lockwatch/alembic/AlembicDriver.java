package dev.lockwatch.alembic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockwatch.capture.AfterStatements;
import dev.lockwatch.capture.GateProtocol;
import dev.lockwatch.process.OutputFile;
import dev.lockwatch.process.OwnedProcess;
import java.io.BufferedReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * (lockwatch_driver.py), instead of one interpreter start per revision. Requests and answers travel on a Unix
 * socket in lockwatch's temp folder that accepts this one connection: stdout is shared with every process a
 * revision starts, so it only feeds the log.
 */
final class AlembicDriver implements AutoCloseable {
    private static final String EOF = "\u0000eof";
    /** How the driver's line of gates sent ahead of a command's answer begins (lockwatch_driver.py's _GateReports). */
    static final String PART = "{\"part\": true, ";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    /** How often a wait for an answer checks that the driver still lives. */
    private static final long ALIVE_CHECK_MS = 100;

    private final Process process;
    private final ServerSocketChannel listener;
    private final Path socket;
    private volatile Writer requests;
    private final BlockingQueue<Line> answers = new LinkedBlockingQueue<>();
    private final Path log;

    private AlembicDriver(Process process, ServerSocketChannel listener, Path socket, Path log) {
        this.process = process;
        this.listener = listener;
        this.socket = socket;
        this.log = log;
        Thread reader = new Thread(this::readAnswers, "lockwatch-alembic-driver");
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
        Path socket = workFolder.resolve("driver.sock");
        Files.deleteIfExists(socket);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listener.bind(UnixDomainSocketAddress.of(socket)); // fails on a path too long for a socket: no driver then
            List<String> argv = new ArrayList<>(python);
            argv.addAll(List.of(script.toString(), iniCopy.toString(), section, socket.toString()));
            Path log = workFolder.resolve("alembic-driver.log");
            ProcessBuilder builder = new ProcessBuilder(argv).directory(projectFolder.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            environment.accept(builder.environment());
            return new AlembicDriver(OwnedProcess.startInOwnGroup(builder), listener, socket, log);
        } catch (IOException | RuntimeException e) {
            listener.close();
            Files.deleteIfExists(socket);
            throw e instanceof IOException io ? io : new IOException(e);
        }
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
        var set = Json.MAPPER.createObjectNode();
        variables.forEach(set::put);
        var request = Json.MAPPER.createObjectNode().put("op", "env").put("session_state", GateProtocol.SESSION_STATE);
        return request(request.set("env", set)).isPresent();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Jackson, made when first used: loading it took 60-100 ms of the run's start, which Python's launch waited for. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /** A line the driver wrote, and when it came: a command's duration ends there, not when it was read. */
    private record Line(String text, long arrivedNanos) {
    }

    /**
     * Runs one command; a timeout or a dead driver ends the driver and says so in the result. With
     * {@code reportGates}, its sessions report lockwatch's gates in-band rather than wait there, and the result
     * carries the reports. With {@code afterStatement} too, each statement SQLAlchemy runs that it names (every one in
     * best-effort capture, where no gate pauses anything) is followed by lockwatch's query in its own session, whose
     * answer is reported the same way.
     * {@code meanwhile} runs once the command is sent, while the driver runs it; what it throws is thrown once the
     * answer is in, so that the next command finds the driver waiting for it. With {@code flight}, an unwatched
     * upgrade or downgrade may run in the env.py run of the one before it (lockwatch_driver.py's _Flight). With
     * {@code hold}, the command changes nothing until hold has run (lockwatch_driver.py's _Hold), which runs once the
     * command is sent, before {@code meanwhile}; what it throws ends the command before it changes anything, and is
     * thrown once the answer is in.
     */
    AlembicResult run(String op, String revision, String applicationName, boolean reportGates,
                      Optional<AfterStatements> afterStatement, boolean flight, Optional<Runnable> hold, Duration timeout,
                      Runnable meanwhile, Optional<Consumer<String>> reported) {
        long started = System.nanoTime();
        var request = Json.MAPPER.createObjectNode().put("op", op).put("app", applicationName);
        if (revision != null) {
            request.put("rev", revision);
        }
        if (flight) {
            request.put("flight", true);
        }
        if (hold.isPresent()) {
            request.put("hold", true);
        }
        if (reportGates) {
            request.put("report_gates", true);
            afterStatement.ifPresent(after -> {
                request.put("report_after", after.sql());
                after.onlyFirstKeywords().ifPresent(only -> {
                    var keywords = request.putArray("report_after_only");
                    only.stream().sorted().forEach(keywords::add);
                });
            });
        }
        long logFrom = logSize();
        String what = op + (revision == null ? "" : " " + revision);
        if (!send(request)) {
            hold.ifPresent(Runnable::run);
            meanwhile.run();
            return new AlembicResult(-1, crash(what, logFrom), elapsed(started), false);
        }
        RuntimeException failed = null;
        if (hold.isPresent()) {
            try {
                hold.get().run();
            } catch (RuntimeException e) {
                failed = e;
            }
            send(Json.MAPPER.createObjectNode().put("go", failed == null));
        }
        if (failed == null) {
            try {
                meanwhile.run();
            } catch (RuntimeException e) {
                failed = e;
            }
        }
        List<String> gates = new ArrayList<>();
        Consumer<String> gate = reported.orElse(gates::add);
        Optional<Line> line = answerLine(started + timeout.toNanos(), gate);
        if (failed != null) {
            if (line.isEmpty()) {
                close(); // no answer in time: the driver must not run on
            }
            throw failed;
        }
        Optional<JsonNode> answer = line.flatMap(AlembicDriver::parse);
        long duration = line.map(l -> (l.arrivedNanos() - started) / 1_000_000).orElseGet(() -> elapsed(started));
        if (answer.isEmpty()) {
            // an answer that never came in time, not a channel the driver's death closed early
            boolean timedOut = System.nanoTime() - started >= timeout.toNanos() && process.isAlive();
            close();
            return new AlembicResult(-1, timedOut ? OutputFile.tail(log, logFrom) : crash(what, logFrom), duration,
                    timedOut);
        }
        duration -= Math.round(answer.get().path("held_ms").asDouble(0)); // waiting for lockwatch is not its time
        boolean ok = answer.get().path("ok").asBoolean();
        answer.get().path("gates").forEach(report -> gate.accept(report.asText()));
        return new AlembicResult(ok ? 0 : 1, answer.get().path("error").asText(""), duration, false, gates);
    }

    /**
     * The command's answer line; the gates its sessions reported that the driver sent ahead of it, in batches while
     * the command ran ({@code {"part": true, "gates": [...]}}), go to {@code reported} as they come, in order.
     */
    private Optional<Line> answerLine(long deadline, Consumer<String> reported) {
        while (true) {
            Optional<Line> line = line(deadline);
            if (line.isEmpty() || !line.get().text().startsWith(PART)) {
                return line;
            }
            Optional<JsonNode> part = parse(line.get());
            if (part.isEmpty()) {
                return line; // not a part after all: the answer, however it reads
            }
            part.get().path("gates").forEach(gate -> reported.accept(gate.asText()));
        }
    }

    /**
     * The revision graph as this interpreter's alembic reads it (lockwatch_driver.py's {@code graph} request), its
     * answer as it came, ok or not; empty (and the driver ended) when none came within {@code timeout}. The driver
     * keeps the script directory it read for the commands that follow.
     */
    Optional<JsonNode> graph(Duration timeout) {
        Optional<JsonNode> answer = send(Json.MAPPER.createObjectNode().put("op", "graph")) ? answer(timeout)
                : Optional.empty();
        if (answer.isEmpty()) {
            close();
        }
        return answer;
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
            Writer out = requests;
            if (out == null) { // not connected yet: the ready answer comes first, so this is a driver that never did
                close();
                return false;
            }
            out.write(Json.MAPPER.writeValueAsString(request) + "\n");
            out.flush();
            return true;
        } catch (IOException e) {
            close();
            return false;
        }
    }

    /** The next answer; empty at the timeout, or as soon as the driver has ended without one. */
    private Optional<JsonNode> answer(Duration timeout) {
        return line(System.nanoTime() + timeout.toNanos()).flatMap(AlembicDriver::parse);
    }

    private static Optional<JsonNode> parse(Line line) {
        try {
            return Optional.of(Json.MAPPER.readTree(line.text()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The driver's next line; empty at {@code deadline} (a line already there is taken even after it), or as soon
     * as the driver has ended without one.
     */
    private Optional<Line> line(long deadline) {
        try {
            Line line = answers.poll();
            long endedAt = 0;
            while (line == null && System.nanoTime() < deadline) {
                if (endedAt == 0 && !process.isAlive()) {
                    endedAt = System.nanoTime();
                }
                line = answers.poll(Math.min(ALIVE_CHECK_MS, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
                        TimeUnit.MILLISECONDS);
                // ended: what it wrote before is read to the end of the channel (EOF); one it never opened, or
                // that a forked child keeps open, sends nothing more
                if (line == null && endedAt != 0 && (requests == null
                        || System.nanoTime() - endedAt > TimeUnit.SECONDS.toNanos(2))) {
                    return Optional.empty();
                }
            }
            if (line == null || line.text().equals(EOF)) {
                return Optional.empty();
            }
            return Optional.of(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Accepts the driver's one connection, then stops listening, so nobody else can connect. */
    private void readAnswers() {
        try (SocketChannel channel = listener.accept()) {
            closeListener();
            // not Channels' streams: they share one lock, and a blocked read would hold up every request
            requests = new java.io.OutputStreamWriter(new java.io.OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes, offset, length);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            }, StandardCharsets.UTF_8);
            BufferedReader reader = new BufferedReader(new InputStreamReader(new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] bytes, int offset, int length) throws IOException {
                    return channel.read(java.nio.ByteBuffer.wrap(bytes, offset, length));
                }
            }, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                answers.add(new Line(line, System.nanoTime()));
            }
        } catch (IOException ignored) {
            // the process ended, or close() stopped the listener: the EOF marker below says so
        } finally {
            closeListener();
        }
        answers.add(new Line(EOF, System.nanoTime()));
    }

    private void closeListener() {
        try {
            listener.close();
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the workspace removes the folder in any case
        }
    }

    /** What a driver that died while running {@code what} tells the user: how it ended and its last words. */
    private String crash(String what, long logFrom) {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String how = process.isAlive() ? "stopped answering" : OutputFile.exitStatus(process.exitValue());
        String printed = OutputFile.tail(log, logFrom);
        String last = printed.strip().isEmpty() ? "" : "; its last output: " + printed.strip().lines()
                .reduce((first, second) -> second).orElse("");
        return printed + (printed.isEmpty() ? "" : "\n") + "FAILED: alembic's Python process crashed while running "
                + what + " (" + how + ")" + last;
    }

    private long logSize() {
        try {
            return Files.size(log);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long elapsed(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Override
    public void close() {
        closeListener();
        OwnedProcess.destroyTree(process);
    }
}
