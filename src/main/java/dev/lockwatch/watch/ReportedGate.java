package dev.lockwatch.watch;

import dev.lockwatch.capture.GateEffects;
import dev.lockwatch.capture.Pause;
import dev.lockwatch.capture.GateProtocol;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.capture.GateProtocol.NoticeField;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A gate a migration session reported in-band (capture.sql's {@code lockwatch.pause} with
 * {@code lockwatch.report = notice}): what it would have shown the watcher had it waited there, read by the session
 * itself. Becomes the same sample a gate read by the watcher gives.
 */
final class ReportedGate {
    private final int queryBytes;
    /**
     * The locks each session's gates sent in its current transaction, by fingerprint: a gate whose locks are those of
     * an earlier gate carries none, only their fingerprint.
     */
    private final Map<Integer, Told> toldByPid = new HashMap<>();

    private record Told(long xactStartUs, Map<String, List<BackendSample.HeldLock>> byFingerprint) {
    }

    /**
     * Each session's transactions by start, with the lowest {@link NoticeField#CREATED_ABOVE} their gates told: the
     * locks above it that the gates left out are left out of every other look at the transaction too.
     */
    private final Map<Integer, Map<Long, Long>> createdAbove = new HashMap<>();

    /** The text each session's reports last sent, with the start of the query message it belongs to. */
    private final Map<Integer, Text> textByPid = new HashMap<>();

    private record Text(long queryStartUs, String query) {
    }

    /**
     * @param queryBytes the statement's text is cut as pg_stat_activity cuts it (track_activity_query_size), so a
     *                   statement reads the same whether a poll or a reported gate saw it first
     */
    ReportedGate(int queryBytes) {
        this.queryBytes = queryBytes;
    }

    private static JsonNode field(JsonNode gate, NoticeField field) {
        return GateProtocol.field(gate, field);
    }

    /** The sample of one report, or empty when it is not one; reports must come in the order each session sent them. */
    Optional<BackendSample> parse(String report) {
        Optional<JsonNode> notice = GateProtocol.parseNotice(report);
        if (notice.isEmpty()) {
            return Optional.empty();
        }
        JsonNode gate = notice.get();
        Pause pause = GateProtocol.parseTag(field(gate, NoticeField.PAUSE).asText()).orElseThrow();
        int pid = field(gate, NoticeField.PID).asInt();
        long xactStart = field(gate, NoticeField.XACT_START).asLong(-1);
        Told told = toldByPid.get(pid);
        if (told == null || told.xactStartUs() != xactStart) {
            told = new Told(xactStart, new HashMap<>());
            toldByPid.put(pid, told);
        }
        String fingerprint = field(gate, NoticeField.LOCKS_FINGERPRINT).asText("");
        JsonNode since = field(gate, NoticeField.LOCKS_SINCE);
        List<BackendSample.HeldLock> locks;
        if (field(gate, NoticeField.LOCKS_UNCHANGED).asBoolean(false) && told.byFingerprint().containsKey(fingerprint)) {
            locks = told.byFingerprint().get(fingerprint);
        } else {
            locks = new ArrayList<>();
            if (since.isTextual()) {
                List<BackendSample.HeldLock> earlier = told.byFingerprint().get(since.asText());
                if (earlier == null) { // the session told them in this transaction, and reports come in order
                    throw new IllegalStateException("a gate adds to locks no report of its transaction told: " + report);
                }
                locks.addAll(earlier);
            }
            for (JsonNode lock : field(gate, NoticeField.LOCKS)) {
                LockMode.fromPgLocks(lock.path(1).asText()).ifPresent(mode ->
                        locks.add(new BackendSample.HeldLock(lock.path(0).asLong(), mode, lock.path(2).asBoolean())));
            }
            locks.sort(LockWatcher.LOCK_ORDER);
            if (!fingerprint.isEmpty()) {
                told.byFingerprint().put(fingerprint, locks);
            }
        }
        JsonNode above = field(gate, NoticeField.CREATED_ABOVE);
        if (above.canConvertToLong()) {
            createdAbove.computeIfAbsent(pid, p -> new HashMap<>()).merge(xactStart, above.asLong(), Math::min);
        }
        long time = field(gate, NoticeField.TIME).asLong();
        long queryStart = field(gate, NoticeField.QUERY_START).asLong(-1);
        Text text = textByPid.get(pid);
        if (!field(gate, NoticeField.QUERY_TOLD).asBoolean(false) || text == null || text.queryStartUs() != queryStart) {
            text = new Text(queryStart, clip(field(gate, NoticeField.QUERY).asText(""), queryBytes));
            textByPid.put(pid, text);
        }
        BackendSample sample = new BackendSample(time, pid, text.query(), queryStart, xactStart, locks, pause, false, -1,
                true, GateEffects.parse(field(gate, NoticeField.EFFECTS)));
        return Optional.of(sample.released(field(gate, NoticeField.UNTIL).asLong(time)));
    }

    /**
     * The samples, each without the locks its transaction's gates left out ({@link NoticeField#CREATED_ABOVE}): a
     * poll or a report after a statement reads them all, and a lock that only such looks showed would seem taken and
     * released again between gates. Samples whose locks are the same list stay the same list.
     */
    List<BackendSample> withoutCreatedRelations(List<BackendSample> samples) {
        if (createdAbove.isEmpty()) {
            return samples;
        }
        Map<List<BackendSample.HeldLock>, List<BackendSample.HeldLock>> kept = new IdentityHashMap<>();
        List<BackendSample> result = new ArrayList<>(samples.size());
        for (BackendSample sample : samples) {
            Long above = createdAbove.getOrDefault(sample.pid(), Map.of()).get(sample.xactStartUs());
            if (above == null || sample.locks().stream().allMatch(l -> l.relation() <= above)) {
                result.add(sample);
                continue;
            }
            // List.copyOf: a list the sample's constructor keeps as it is, so looks that shared a list still do
            List<BackendSample.HeldLock> locks = kept.computeIfAbsent(sample.locks(),
                    all -> List.copyOf(all.stream().filter(l -> l.relation() <= above).toList()));
            result.add(sample.withLocks(locks));
        }
        return result;
    }

    /** The longest prefix of whole characters that fits in {@code bytes} - 1 UTF-8 bytes, as the server keeps it. */
    static String clip(String query, int bytes) {
        if ((long) query.length() * 3 < bytes) {
            return query; // even at three bytes a character (UTF-16's pairs take four for two) it fits
        }
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
