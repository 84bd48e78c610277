package dev.lockwatch.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockwatch.model.LockMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A gate a migration session reported in-band (capture.sql's {@code lockwatch.pause} with
 * {@code lockwatch.report = notice}): what it would have shown the watcher had it waited there, read by the session
 * itself. Becomes the same sample a gate read by the watcher gives.
 */
final class ReportedGate {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportedGate() {
    }

    /**
     * The sample of one report, or empty when it is not one. The statement's text is cut as pg_stat_activity cuts
     * it ({@code queryBytes}, track_activity_query_size), so a statement reads the same whether a poll or a
     * reported gate saw it first.
     */
    static Optional<BackendSample> parse(String report, int queryBytes) {
        JsonNode gate;
        try {
            gate = JSON.readTree(report);
        } catch (IOException e) {
            return Optional.empty();
        }
        Optional<Pause> pause = Pause.parse(gate.path("pause").asText(null));
        if (pause.isEmpty() || !gate.path("time").canConvertToLong() || !gate.path("pid").canConvertToInt()) {
            return Optional.empty();
        }
        List<BackendSample.HeldLock> locks = new ArrayList<>();
        for (JsonNode lock : gate.path("locks")) {
            LockMode.fromPgLocks(lock.path(1).asText()).ifPresent(mode ->
                    locks.add(new BackendSample.HeldLock(lock.path(0).asLong(), mode, lock.path(2).asBoolean())));
        }
        locks.sort(LockWatcher.LOCK_ORDER);
        BackendSample sample = new BackendSample(gate.path("time").asLong(), gate.path("pid").asInt(),
                clip(gate.path("query").asText(""), queryBytes), gate.path("query_start").asLong(-1),
                gate.path("xact_start").asLong(-1), locks, pause.get(), false, -1, true);
        return Optional.of(sample.released(gate.path("until").asLong(sample.timeUs())));
    }

    /** The longest prefix of whole characters that fits in {@code bytes} - 1 UTF-8 bytes, as the server keeps it. */
    static String clip(String query, int bytes) {
        byte[] utf8 = query.getBytes(StandardCharsets.UTF_8);
        if (bytes <= 0 || utf8.length < bytes) {
            return query;
        }
        int end = bytes - 1;
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
            end--; // not inside a multi-byte character
        }
        return new String(utf8, 0, end, StandardCharsets.UTF_8);
    }
}
