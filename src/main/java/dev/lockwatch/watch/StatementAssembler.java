package dev.lockwatch.watch;

import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the watcher's samples of one revision into statements with the table locks each took. A lock is
 * attributed to the statement running when it first appeared, except at a DDL statement's start gate or at
 * the version-table gate, where locks that appear were taken by earlier statements the gates cannot see
 * (DML, LOCK TABLE, REINDEX).
 */
public final class StatementAssembler {
    private static final Pattern FIRST_WORDS = Pattern.compile(
            "^\\s*(?:(CREATE|ALTER|DROP)\\s+(?:UNIQUE\\s+)?(\\w+)|(LOCK)\\b|(\\w+))", Pattern.CASE_INSENSITIVE);
    private static final Pattern CONCURRENTLY = Pattern.compile("\\bCONCURRENTLY\\b", Pattern.CASE_INSENSITIVE);

    private final Catalog before;
    private final Set<TableRef> busy;
    private final String versionTable;
    private final Map<Key, Builder> statements = new LinkedHashMap<>();
    private final Map<Integer, Map<LockKey, OpenLock>> open = new HashMap<>();
    private final Map<Integer, Key> lastStatement = new HashMap<>();
    private final Map<Integer, List<long[]>> pauses = new HashMap<>();
    private long lastTimeUs;

    private StatementAssembler(Catalog before, Set<TableRef> busy, String versionTable) {
        this.before = before;
        this.busy = busy;
        this.versionTable = versionTable;
    }

    /**
     * @param before       the tables that existed when the revision started
     * @param busy         the tables that carry traffic
     * @param versionTable alembic's bookkeeping table, never reported
     */
    public static List<Statement> assemble(List<BackendSample> samples, Catalog before, Set<TableRef> busy,
                                           String versionTable) {
        StatementAssembler assembler = new StatementAssembler(before, busy, versionTable);
        samples.stream().sorted(Comparator.comparingLong(BackendSample::timeUs)).forEach(assembler::accept);
        return assembler.result();
    }

    private void accept(BackendSample sample) {
        lastTimeUs = Math.max(lastTimeUs, sample.timeUs());
        Map<LockKey, OpenLock> held = open.computeIfAbsent(sample.pid(), p -> new LinkedHashMap<>());
        if (sample.pausedUntilUs() > 0) {
            pauses.computeIfAbsent(sample.pid(), p -> new ArrayList<>()).add(new long[] {sample.timeUs(), sample.pausedUntilUs()});
        }
        Key current = new Key(sample.pid(), sample.queryStartUs());
        Key previous = lastStatement.get(sample.pid());
        if (previous != null && !previous.equals(current)) {
            statements.get(previous).endUs = sample.timeUs();
        }
        if (sample.gone()) {
            held.values().forEach(lock -> lock.releasedUs = sample.timeUs());
            held.clear();
            return;
        }
        List<LockKey> present = sample.locks().stream().map(l -> new LockKey(l.relation(), l.mode())).toList();
        held.entrySet().removeIf(e -> {
            if (!present.contains(e.getKey())) {
                e.getValue().releasedUs = sample.timeUs();
                return true;
            }
            return false;
        });
        Pause pause = sample.pause();
        boolean earlierStatementsLocks = pause != null && (pause.event() == Pause.Event.START || pause.event() == Pause.Event.VERSION);
        Key owner = earlierStatementsLocks ? earlierStatement(sample, previous) : current;
        for (BackendSample.HeldLock lock : sample.locks()) {
            LockKey key = new LockKey(lock.relation(), lock.mode());
            OpenLock existing = held.get(key);
            if (existing != null) {
                existing.granted |= lock.granted();
                continue;
            }
            Optional<TableRef> table = reportable(lock.relation());
            if (table.isEmpty()) {
                continue;
            }
            Builder statement = builder(owner, sample);
            OpenLock opened = new OpenLock(table.get(), lock.mode(), lock.granted(), Math.min(owner.queryStartUs > 0 ? owner.queryStartUs : sample.timeUs(), sample.timeUs()), false);
            held.put(key, opened);
            statement.locks.add(opened);
        }
        if (pause != null && pause.event() != Pause.Event.VERSION) {
            describe(builder(current, sample), pause, sample, held);
        }
        if (pause == null || pause.event() != Pause.Event.VERSION) {
            if (statements.containsKey(current)) {
                lastStatement.put(sample.pid(), current);
            }
        }
    }

    private Key earlierStatement(BackendSample sample, Key previous) {
        if (previous != null && previous.queryStartUs != sample.queryStartUs()) {
            return previous;
        }
        return new Key(sample.pid(), -sample.timeUs()); // taken by a statement no sample caught
    }

    private void describe(Builder statement, Pause pause, BackendSample sample, Map<LockKey, OpenLock> held) {
        statement.lockTimeoutMs = pause.lockTimeoutMs();
        if (!pause.tag().isEmpty() && pause.event() != Pause.Event.REWRITE) {
            statement.tag = pause.tag();
        }
        Optional<TableRef> target = pause.targetOid() > 0 ? before.table(pause.targetOid()) : Optional.empty();
        target.ifPresent(t -> statement.target = t);
        if (pause.event() == Pause.Event.REWRITE) {
            statement.rewrite = true;
        }
        if (pause.event() == Pause.Event.END) {
            statement.elapsedUs = pause.elapsedUs();
            target.ifPresent(t -> includeTargetLock(statement, t, sample, held, pause));
        }
    }

    /** The target's strongest lock belongs to this statement's story even when an earlier one took it. */
    private void includeTargetLock(Builder statement, TableRef target, BackendSample sample, Map<LockKey, OpenLock> held,
                                   Pause pause) {
        Optional<OpenLock> strongest = held.values().stream().filter(l -> l.table.equals(target))
                .max(Comparator.comparing(l -> l.mode));
        if (strongest.isPresent()) {
            if (!statement.locks.contains(strongest.get())) {
                statement.locks.add(strongest.get());
            }
            return;
        }
        boolean seenByPolling = statement.locks.stream().anyMatch(l -> l.table.equals(target));
        if (!seenByPolling && "CREATE INDEX".equals(pause.tag()) && sample.query() != null
                && CONCURRENTLY.matcher(sample.query()).find()) {
            // a concurrent build has released its session lock before ddl_command_end fires
            OpenLock inferred = new OpenLock(target, LockMode.SHARE_UPDATE_EXCLUSIVE, true, sample.timeUs() - pause.elapsedUs(), true);
            inferred.releasedUs = sample.timeUs();
            statement.locks.add(inferred);
        }
    }

    private Optional<TableRef> reportable(long oid) {
        return before.table(oid).filter(t -> !t.name().equals(versionTable));
    }

    private Builder builder(Key key, BackendSample sample) {
        return statements.computeIfAbsent(key, k -> {
            Builder b = new Builder();
            boolean known = k.queryStartUs == sample.queryStartUs();
            b.sql = known ? sample.query() : "(an earlier statement of this revision; it ran too briefly to be seen)";
            b.startUs = known ? sample.queryStartUs() : sample.timeUs();
            return b;
        });
    }

    private List<Statement> result() {
        List<Statement> result = new ArrayList<>();
        statements.entrySet().stream()
                .sorted(Comparator.comparingLong(e -> e.getValue().startUs))
                .forEach(e -> {
                    Builder b = e.getValue();
                    if (b.locks.isEmpty() && (b.tag == null || mentionsVersionTable(b.sql))) {
                        return;
                    }
                    int pid = e.getKey().pid;
                    List<ObservedLock> locks = b.locks.stream().map(l -> new ObservedLock(l.table, l.mode, l.granted,
                            busy.contains(l.table), heldMs(pid, l), l.inferred)).toList();
                    long durationMs = b.elapsedUs >= 0 ? b.elapsedUs / 1000
                            : Math.max(0, (b.endUs > 0 ? b.endUs : lastTimeUs) - b.startUs - paused(pid, b.startUs, b.endUs > 0 ? b.endUs : lastTimeUs)) / 1000;
                    result.add(new Statement(b.sql == null ? "" : b.sql.strip(), b.tag != null ? b.tag : tagOf(b.sql), durationMs,
                            b.lockTimeoutMs, locks, b.target, b.rewrite));
                });
        return result;
    }

    private boolean mentionsVersionTable(String sql) {
        return sql != null && sql.toLowerCase(Locale.ROOT).contains(versionTable.toLowerCase(Locale.ROOT));
    }

    private long heldMs(int pid, OpenLock lock) {
        long end = lock.releasedUs > 0 ? lock.releasedUs : lastTimeUs;
        return Math.max(0, end - lock.acquiredUs - paused(pid, lock.acquiredUs, end)) / 1000;
    }

    /** Microseconds the backend spent waiting at lockwatch's gates between {@code from} and {@code to}. */
    private long paused(int pid, long from, long to) {
        long total = 0;
        for (long[] p : pauses.getOrDefault(pid, List.of())) {
            total += Math.max(0, Math.min(to, p[1]) - Math.max(from, p[0]));
        }
        return total;
    }

    static String tagOf(String sql) {
        if (sql == null) {
            return "";
        }
        Matcher m = FIRST_WORDS.matcher(sql);
        if (!m.find()) {
            return "";
        }
        if (m.group(1) != null) {
            return (m.group(1) + " " + m.group(2)).toUpperCase(Locale.ROOT);
        }
        return m.group(3) != null ? "LOCK TABLE" : m.group(4).toUpperCase(Locale.ROOT);
    }

    private record Key(int pid, long queryStartUs) {
    }

    private record LockKey(long relation, LockMode mode) {
    }

    private static final class OpenLock {
        final TableRef table;
        final LockMode mode;
        final long acquiredUs;
        final boolean inferred;
        boolean granted;
        long releasedUs;

        OpenLock(TableRef table, LockMode mode, boolean granted, long acquiredUs, boolean inferred) {
            this.table = table;
            this.mode = mode;
            this.granted = granted;
            this.acquiredUs = acquiredUs;
            this.inferred = inferred;
        }
    }

    private static final class Builder {
        String sql;
        String tag;
        long startUs;
        long endUs;
        long elapsedUs = -1;
        Long lockTimeoutMs;
        TableRef target;
        boolean rewrite;
        final List<OpenLock> locks = new ArrayList<>();
    }
}
