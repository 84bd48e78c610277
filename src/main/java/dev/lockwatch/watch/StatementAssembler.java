package dev.lockwatch.watch;

import dev.lockwatch.capture.Pause;
import dev.lockwatch.capture.GateProtocol;
import dev.lockwatch.alembic.SourceTag;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.StatementEffects;
import dev.lockwatch.model.TableRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the watcher's samples of one revision into statements with the table locks each took.
 *
 * <p>Gates are authoritative. At the end gate of a DDL or DML statement (and at a table rewrite), the locks
 * that appeared belong to that statement. At a DDL's start gate and at the version-table gate they were taken
 * by an earlier statement no gate pauses (LOCK TABLE, REINDEX, a SELECT): the previous statement when polling
 * alone saw it, else a placeholder. A lock polling saw first is provisional, because one poll reads
 * pg_stat_activity and pg_locks at slightly different instants and may pair a lock with the neighbouring
 * statement; the next gate settles it.
 */
public final class StatementAssembler {
    static final String UNSEEN_STATEMENT =
            "(a statement no trigger pauses, such as LOCK TABLE, REINDEX or a SELECT, ran too briefly to be seen)";
    static final String REINDEX_STATEMENT =
            "(a REINDEX, known by the indexes it rebuilt; it ran too briefly for its text to be seen)";
    private static final Pattern FIRST_WORDS = Pattern.compile(
            "^\\s*(?:(CREATE|ALTER|DROP)\\s+(?:UNIQUE\\s+)?(\\w+)|(LOCK)\\b|(\\w+))", Pattern.CASE_INSENSITIVE);
    private static final Pattern CONCURRENTLY = Pattern.compile("\\bCONCURRENTLY\\b", Pattern.CASE_INSENSITIVE);
    /** The revision a version-table write records: alembic's UPDATE ... SET version_num='x' or INSERT ... VALUES ('x'). */
    private static final Pattern VERSION_WRITTEN = Pattern.compile(
            "^\\s*(?:UPDATE\\b.*?\\bSET\\s+version_num\\s*=\\s*'([^']*)'|INSERT\\b.*?\\bVALUES\\s*\\(\\s*'([^']*)')",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private final Catalog before;
    private final Set<TableRef> busy;
    private final String versionTable;
    private final Map<Key, Builder> statements = new LinkedHashMap<>();
    private final Map<Integer, Backend> backends = new HashMap<>();
    private final EffectsTracker effects;
    /** The version-table writes whose text names the revision they record, in time order. */
    private final List<VersionWrite> versionWrites = new ArrayList<>();
    private long lastTimeUs;

    private StatementAssembler(Catalog before, Set<TableRef> busy, String versionTable) {
        this.before = before;
        this.effects = new EffectsTracker(before.snapshot());
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
        return assembleDeploy(samples, before, busy, versionTable).statements();
    }

    /** The statements, each with the revision whose version-table write came next: see {@link Assembled}. */
    public static Assembled assembleDeploy(List<BackendSample> samples, Catalog before, Set<TableRef> busy,
                                           String versionTable) {
        StatementAssembler assembler = new StatementAssembler(before, busy, versionTable);
        inOrder(samples).forEach(assembler::accept);
        return assembler.result();
    }

    /**
     * The samples in the order of what they saw. A poll's clock is read after pg_stat_activity and pg_locks, a gate's
     * before its read, so on a loaded machine a poll that saw a statement which has ended since can be stamped after
     * the gate of a later statement of the same session: assembled there, it would hand that statement's locks to the
     * one it saw (a version-table write, then given to the revision before). A session's statements start one after
     * another, so such a poll goes just before the first gate of a later statement; polls keep their own order.
     */
    static List<BackendSample> inOrder(List<BackendSample> samples) {
        Map<Integer, NavigableMap<Long, Long>> firstGateAfter = new HashMap<>(); // pid -> start -> time
        samples.stream()
                .filter(s -> s.pause() != null && s.pause().event() != Pause.Event.AFTER && s.queryStartUs() > 0)
                .sorted(Comparator.comparingLong(BackendSample::queryStartUs).reversed())
                .forEach(s -> {
                    NavigableMap<Long, Long> gates = firstGateAfter.computeIfAbsent(s.pid(), p -> new TreeMap<>());
                    Map.Entry<Long, Long> later = gates.firstEntry(); // the earliest gate of any later statement
                    long earliest = later == null ? s.timeUs() : Math.min(later.getValue(), s.timeUs());
                    gates.merge(s.queryStartUs(), earliest, Math::min);
                });
        record Placed(long timeUs, BackendSample sample) {
        }
        return samples.stream().map(s -> {
                    NavigableMap<Long, Long> gates = firstGateAfter.get(s.pid());
                    Map.Entry<Long, Long> later = s.pause() != null || s.queryStartUs() <= 0 || gates == null ? null
                            : gates.higherEntry(s.queryStartUs());
                    return later != null && s.timeUs() >= later.getValue()
                            ? new Placed(later.getValue() - 1, s.at(later.getValue() - 1)) : new Placed(s.timeUs(), s);
                })
                .sorted(Comparator.comparingLong(Placed::timeUs).thenComparingLong(p -> p.sample().timeUs()))
                .map(Placed::sample).toList();
    }

    /**
     * The statements in order and, for each, the revision alembic recorded next in its version table, at or after the
     * statement began (empty when no later write names one): in a deploy of several revisions, the revision a
     * statement with no source tag ran for, such as one no gate paused, known only at the next gate.
     */
    public record Assembled(List<Statement> statements, List<Optional<String>> recordedNext) {
        public Assembled {
            statements = List.copyOf(statements);
            recordedNext = List.copyOf(recordedNext);
        }
    }

    private record VersionWrite(long timeUs, String revision) {
    }

    /** The revision a version-table write records, from its text; empty for a DELETE (a merge's other heads). */
    static Optional<String> versionWritten(String sql) {
        Matcher m = sql == null ? null : VERSION_WRITTEN.matcher(sql);
        if (m == null || !m.find()) {
            return Optional.empty();
        }
        return Optional.of(m.group(1) != null ? m.group(1) : m.group(2));
    }

    private void accept(BackendSample sample) {
        if (sample.pause() == null && sample.query() != null
                && SourceTag.strip(sample.query()).sql().startsWith(GateProtocol.AFTER_STATEMENT_MARKER)) {
            return; // the driver's report after a statement (or its savepoint), seen by a poll: the report says it
        }
        lastTimeUs = Math.max(lastTimeUs, sample.timeUs());
        Backend backend = backends.computeIfAbsent(sample.pid(), p -> new Backend());
        if (sample.pausedUntilUs() > 0) {
            backend.pauses.add(new long[] {sample.timeUs(), sample.pausedUntilUs()});
        }
        Key current = sample.pause() != null && sample.pause().event() == Pause.Event.AFTER ? reported(backend, sample)
                : new Key(sample.pid(), sample.queryStartUs());
        if (backend.last != null && !backend.last.equals(current)) {
            statements.get(backend.last).endUs = sample.timeUs();
        }
        release(backend, sample);
        if (sample.gone()) {
            return;
        }
        Pause pause = sample.pause();
        if (pause == null) {
            acceptPoll(backend, sample, current);
        } else {
            acceptGate(backend, sample, current, pause);
        }
    }

    /**
     * Locks absent from this look were released. A lock that shows again within the same transaction was never
     * released (pg_locks can miss a lock moving from a backend's fast-path slots to the shared table): it is
     * revived, not opened anew.
     */
    private static void release(Backend backend, BackendSample sample) {
        // a gate that reported no change carries the very list of the report before it: nothing to release or open
        backend.sameLocks = sample.locks() == backend.lastLocks && sample.xactStartUs() == backend.xactStartUs;
        backend.lastLocks = sample.locks();
        if (backend.sameLocks) {
            return;
        }
        Set<LockKey> present = new LinkedHashSet<>(); // a set: a long transaction holds many, looked up per live lock
        sample.locks().forEach(l -> present.add(new LockKey(l.relation(), l.mode())));
        if (backend.xactStartUs > 0 && sample.xactStartUs() > 0 && sample.xactStartUs() != backend.xactStartUs) {
            // another transaction: what the last one held ended with it, by the time this one began, even a lock this
            // one took again before any look saw it go (an autocommit block's next statement on the same table)
            long ended = Math.min(sample.timeUs(), sample.xactStartUs());
            backend.live.values().forEach(lock -> lock.releasedUs = Math.max(lock.firstSeenUs, ended));
            backend.live.clear();
        }
        backend.live.entrySet().removeIf(e -> {
            if (!present.contains(e.getKey())) {
                e.getValue().releasedUs = sample.timeUs();
                backend.released.put(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
        if (sample.xactStartUs() != backend.xactStartUs) {
            backend.released.clear();
            backend.xactStartUs = sample.xactStartUs();
        }
        for (LockKey key : present) {
            OpenLock revived = backend.released.remove(key);
            if (revived != null && sample.xactStartUs() > 0) {
                revived.releasedUs = 0;
                backend.live.put(key, revived);
            }
        }
    }

    private void acceptPoll(Backend backend, BackendSample sample, Key current) {
        if (sample.settled()) {
            track(backend, sample, (table, mode) -> current, false); // else a later look pairs them with their statement
        }
        if (statements.containsKey(current)) {
            backend.remember(current);
        }
    }

    /**
     * The statement an {@code after} report (best-effort capture) is about. The driver cannot know the start the
     * server gave it, so the report is paired by its text with the last statement polling saw of its session, when
     * that one is in the same transaction and no report has ended it yet; else it is a statement polling missed.
     */
    private Key reported(Backend backend, BackendSample sample) {
        if (backend.last != null && backend.last.pid == sample.pid()) {
            Builder seen = statements.get(backend.last);
            if (!seen.gated() && seen.xactStartUs == sample.xactStartUs() && seen.sql != null
                    && seen.sql.equals(SourceTag.strip(sample.query()).sql())) {
                return backend.last;
            }
        }
        return new Key(sample.pid(), sample.queryStartUs());
    }

    /**
     * An {@code after} report confirms what its statement held at its end, like an end gate. A statement polling
     * did not see becomes one only when its report shows a lock no earlier statement took: a SELECT alembic runs
     * is no statement with triggers either.
     */
    private void acceptAfter(Backend backend, BackendSample sample, Key current, Pause pause) {
        BiFunction<TableRef, LockMode, Key> owner = (table, mode) -> {
            builder(current, sample);
            return current;
        };
        for (OpenLock lock : backend.live.values()) {
            if (!lock.confirmed) {
                settle(lock, current, true, owner);
            }
        }
        track(backend, sample, owner, true);
        Builder statement = statements.get(current);
        if (statement == null) {
            return;
        }
        statement.lockTimeoutMs = pause.lockTimeoutMs();
        if (statement.tag == null && !pause.tag().isEmpty()) {
            statement.tag = pause.tag();
        }
        statement.elapsedUs = pause.elapsedUs();
        statement.gateEndUs = sample.timeUs();
        backend.remember(current);
    }

    private void acceptGate(Backend backend, BackendSample sample, Key current, Pause pause) {
        if (pause.event() == Pause.Event.AFTER) {
            acceptAfter(backend, sample, current, pause);
            return;
        }
        boolean endOfStatement = pause.event() == Pause.Event.END || pause.event() == Pause.Event.DML
                || pause.event() == Pause.Event.REWRITE;
        Builder statement = builder(current, sample);
        BiFunction<TableRef, LockMode, Key> owner = endOfStatement ? (table, mode) -> current
                : earlierOwner(backend, current, sample, pause.rebuiltTables());
        for (OpenLock lock : backend.live.values()) {
            if (!lock.confirmed) {
                settle(lock, current, endOfStatement, owner);
            }
        }
        track(backend, sample, (table, mode) -> owner.apply(table, mode), true);
        StatementEffects did = effects.accept(sample); // at a start or version gate: REINDEX's storage, known since
        if (endOfStatement) {
            statement.effects = statement.effects.plus(did);
        }
        if (pause.event() == Pause.Event.REWRITE && pause.targetOid() > 0) {
            statement.effects = statement.effects.withRewritten(effects.table(pause.targetOid())
                    .orElse(new StatementEffects.TableId(pause.targetOid(), new TableRef("", "#" + pause.targetOid()))));
        }
        if (pause.event() != Pause.Event.VERSION) {
            describe(statement, pause, sample, backend);
            backend.remember(current);
        } else {
            versionWritten(SourceTag.strip(sample.query()).sql())
                    .ifPresent(revision -> versionWrites.add(new VersionWrite(sample.timeUs(), revision)));
        }
        if (pause.event() == Pause.Event.END || pause.event() == Pause.Event.DML) {
            statement.gateEndUs = sample.timeUs();
        }
    }


    /**
     * Who took a lock that appears at a start or version gate: a REINDEX for a SHARE lock on a table whose
     * indexes the transaction rebuilt (no other command that no gate pauses does both: the REINDEX polling saw
     * last, if any), else the statement before, when only polling saw it and no other message of the session ran
     * between the two, else one that ran too briefly to be seen.
     */
    private BiFunction<TableRef, LockMode, Key> earlierOwner(Backend backend, Key current, BackendSample sample,
                                                             Set<Long> rebuilt) {
        Optional<Key> polled = polledBefore(backend, current);
        Key earlier = polled.filter(k -> !messagesBetween(statements.get(k), sample)).orElseGet(() -> unseen(sample));
        Set<TableRef> reindexed = rebuilt.stream().map(before::table).flatMap(Optional::stream)
                .collect(java.util.stream.Collectors.toSet());
        return (table, mode) -> mode == LockMode.SHARE && reindexed.contains(table) ? reindex(polled, sample) : earlier;
    }

    /**
     * Whether the session sent other messages between {@code polled} and the statement of {@code sample}, by the
     * driver's message counts (lockwatch_driver.py's _MessageTag): then a lock that appeared since the poll may be
     * theirs (LOCK TABLE a; LOCK TABLE b, the first seen by a poll, the second not), and no one can say whose.
     */
    private static boolean messagesBetween(Builder polled, BackendSample sample) {
        OptionalLong now = SourceTag.strip(sample.query()).message();
        return polled.message.isPresent() && now.isPresent() && now.getAsLong() - polled.message.getAsLong() > 1;
    }

    /**
     * A provisional lock keeps its statement unless that pairing cannot be right: the statement had already
     * passed its own end gate when the lock appeared, or the lock is paired with the DDL now at its start gate
     * (polling can see a statement before its start gate, still holding what earlier statements took).
     */
    private void settle(OpenLock lock, Key current, boolean endOfStatement, BiFunction<TableRef, LockMode, Key> owner) {
        Builder paired = statements.get(lock.owner);
        boolean pairedHadEnded = paired.gateEndUs > 0 && paired.gateEndUs <= lock.firstSeenUs;
        boolean pairedWithStartingStatement = !endOfStatement && lock.owner.equals(current);
        if (pairedHadEnded || pairedWithStartingStatement) {
            paired.locks.remove(lock);
            lock.owner = owner.apply(lock.table, lock.mode);
            statements.get(lock.owner).locks.add(lock);
        }
        lock.confirmed = true;
    }

    /** Locks this look shows for the first time go to {@code owner}; known ones may have been granted meanwhile. */
    private void track(Backend backend, BackendSample sample, BiFunction<TableRef, LockMode, Key> owner, boolean confirmed) {
        if (backend.sameLocks) {
            return; // each of them is live already, as granted as it was
        }
        for (BackendSample.HeldLock held : sample.locks()) {
            LockKey key = new LockKey(held.relation(), held.mode());
            OpenLock lock = backend.live.get(key);
            if (lock != null) {
                lock.granted |= held.granted();
            } else {
                reportable(held.relation()).ifPresent(table ->
                        open(backend, key, table, held, owner.apply(table, held.mode()), sample, confirmed));
            }
        }
    }

    private void open(Backend backend, LockKey key, TableRef table, BackendSample.HeldLock held, Key owner,
                      BackendSample sample, boolean confirmed) {
        Builder statement = builder(owner, sample);
        OpenLock lock = new OpenLock(table, held.mode(), held.granted(), Math.min(statement.startUs, sample.timeUs()),
                false);
        lock.owner = owner;
        lock.confirmed = confirmed;
        lock.firstSeenUs = sample.timeUs();
        backend.live.put(key, lock);
        statement.locks.add(lock);
    }

    /** The REINDEX that took such a lock: the statement polling saw last when it was one, else an unseen one. */
    private Key reindex(Optional<Key> polled, BackendSample sample) {
        if (polled.isPresent() && "REINDEX".equals(tagOf(statements.get(polled.get()).sql))) {
            return polled.get();
        }
        Key key = new Key(sample.pid(), -sample.timeUs() - 1);
        Builder unseen = statements.computeIfAbsent(key, k -> placeholder(sample));
        unseen.sql = REINDEX_STATEMENT;
        unseen.tag = "REINDEX";
        return key;
    }

    /**
     * A statement no look saw, known by the locks (or rebuilt indexes) the gate of {@code sample} found: it ran before
     * the statement of that gate, too briefly for polling to see it, so it comes just before that statement and took
     * no measurable time (not the rest of the deploy).
     */
    private static Builder placeholder(BackendSample sample) {
        Builder b = new Builder();
        b.startUs = sample.queryStartUs() > 0 ? Math.min(sample.timeUs(), sample.queryStartUs() - 1) : sample.timeUs();
        b.elapsedUs = 0;
        b.xactStartUs = sample.xactStartUs(); // its locks are still held, so it ran in this transaction
        // lock_timeout as the session's next gate reports it: a SET between the two is not seen
        b.lockTimeoutMs = sample.pause() == null ? null : sample.pause().lockTimeoutMs();
        return b;
    }

    /** The statement before {@code current}, when only polling saw it (a gated one told its locks itself). */
    private Optional<Key> polledBefore(Backend backend, Key current) {
        for (int i = backend.order.size() - 1; i >= 0; i--) {
            Key candidate = backend.order.get(i);
            if (!candidate.equals(current)) {
                return statements.get(candidate).gated() ? Optional.empty() : Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private Key unseen(BackendSample sample) {
        Key key = new Key(sample.pid(), -sample.timeUs());
        statements.computeIfAbsent(key, k -> placeholder(sample)).sql = UNSEEN_STATEMENT;
        return key;
    }

    private void describe(Builder statement, Pause pause, BackendSample sample, Backend backend) {
        statement.lockTimeoutMs = pause.lockTimeoutMs();
        Optional<TableRef> target = pause.targetOid() > 0 ? before.table(pause.targetOid()) : Optional.empty();
        switch (pause.event()) {
            case START -> statement.tag = pause.tag();
            case REWRITE -> {
                statement.rewrite = true;
                target.ifPresent(t -> statement.target = t);
            }
            case DML -> {
                if (statement.tag == null) {
                    statement.tag = pause.tag(); // INSERT, UPDATE, DELETE or TRUNCATE, as the trigger saw it
                }
                pause.rowsChanged().ifPresent(rows -> statement.rowsChanged = // cascades gate other tables too
                        (statement.rowsChanged == null ? 0 : statement.rowsChanged) + rows);
            }
            case END -> {
                statement.tag = pause.tag();
                statement.elapsedUs = pause.elapsedUs();
                target.ifPresent(t -> {
                    statement.target = t;
                    includeTargetLock(statement, t, sample, backend, pause);
                });
            }
            default -> { }
        }
    }

    /** The target's strongest lock belongs to this statement's story even when an earlier one took it. */
    private void includeTargetLock(Builder statement, TableRef target, BackendSample sample, Backend backend, Pause pause) {
        Optional<OpenLock> strongest = backend.live.values().stream().filter(l -> l.table.equals(target))
                .max(Comparator.comparing(l -> l.mode));
        if (strongest.isPresent()) {
            if (!statement.locks.contains(strongest.get())) {
                statement.locks.add(strongest.get());
                statement.ranUnder.add(strongest.get()); // an earlier statement's: nothing this one waited for
            }
            return;
        }
        boolean seenByPolling = statement.locks.stream().anyMatch(l -> l.table.equals(target));
        if (!seenByPolling && "CREATE INDEX".equals(pause.tag()) && sample.query() != null
                && CONCURRENTLY.matcher(sample.query()).find()) {
            // a concurrent build has released its session lock before ddl_command_end fires
            OpenLock inferred = new OpenLock(target, LockMode.SHARE_UPDATE_EXCLUSIVE, true,
                    sample.timeUs() - pause.elapsedUs(), true);
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
            SourceTag.Tagged tagged = SourceTag.strip(sample.query());
            b.sql = tagged.sql();
            b.source = tagged.source();
            b.message = tagged.message();
            b.startUs = sample.queryStartUs() > 0 ? sample.queryStartUs() : sample.timeUs();
            b.xactStartUs = sample.xactStartUs();
            return b;
        });
    }

    private Assembled result() {
        List<Statement> result = new ArrayList<>();
        List<Optional<String>> recordedNext = new ArrayList<>();
        Map<Key, Integer> transactions = new HashMap<>(); // (pid, xact_start) -> number, in order of first statement
        Map<TableInTransaction, List<OpenLock>> taken = new HashMap<>(); // the locks statements took so far
        statements.entrySet().stream()
                .sorted(Comparator.comparingLong(e -> e.getValue().startUs))
                .forEach(e -> {
                    Builder b = e.getValue();
                    int pid = e.getKey().pid;
                    Set<OpenLock> heldBefore = heldBefore(b, pid, taken);
                    if (b.locks.isEmpty() && (b.tag == null || mentionsVersionTable(b.sql))) {
                        return;
                    }
                    // by table and mode: the order locks were first seen in depends on when a poll came
                    List<ObservedLock> locks = b.locks.stream().map(l -> new ObservedLock(l.table, l.mode, l.granted,
                            busy.contains(l.table), heldMs(pid, l), l.inferred, null, heldBefore.contains(l)))
                            .sorted(Comparator.comparing(ObservedLock::table).thenComparing(ObservedLock::mode))
                            .toList();
                    long end = b.endUs > 0 ? b.endUs : lastTimeUs;
                    long durationMs = b.elapsedUs >= 0 ? b.elapsedUs / 1000
                            : Math.max(0, end - b.startUs - paused(pid, b.startUs, end)) / 1000;
                    int transaction = transactions.computeIfAbsent(new Key(pid, b.xactStartUs), k -> transactions.size() + 1);
                    result.add(new Statement(b.sql == null ? "" : b.sql.strip(), b.tag != null ? b.tag : tagOf(b.sql),
                            durationMs, b.lockTimeoutMs, locks, b.target, b.rewrite, transaction, b.source, b.effects,
                            b.rowsChanged == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(b.rowsChanged)));
                    recordedNext.add(versionWrites.stream().filter(w -> w.timeUs() >= b.startUs).findFirst()
                            .map(VersionWrite::revision));
                });
        return new Assembled(result, recordedNext);
    }

    /**
     * The locks of {@code b} its transaction held before it ran, so that it waited for none of them: the strongest
     * lock of its target an earlier statement took, and a lock of its own that what earlier statements took on the
     * table already lets through whoever else holds what (CREATE INDEX after an ALTER TABLE of the same table: its
     * SHARE comes with the ACCESS EXCLUSIVE). {@code taken} learns {@code b}'s own locks.
     */
    private static Set<OpenLock> heldBefore(Builder b, int pid, Map<TableInTransaction, List<OpenLock>> taken) {
        Set<OpenLock> held = new HashSet<>(b.ranUnder);
        List<OpenLock> own = b.locks.stream().filter(l -> !b.ranUnder.contains(l)).toList();
        for (OpenLock lock : own) {
            TableInTransaction table = new TableInTransaction(pid, b.xactStartUs, lock.table);
            List<LockMode> earlier = taken.getOrDefault(table, List.of()).stream()
                    .filter(o -> !o.inferred && (o.releasedUs == 0 || o.releasedUs > b.startUs))
                    .map(o -> o.mode).toList();
            if (!earlier.isEmpty() && lock.mode.grantedAlongside(earlier)) {
                held.add(lock);
            }
        }
        for (OpenLock lock : own) {
            taken.computeIfAbsent(new TableInTransaction(pid, b.xactStartUs, lock.table), t -> new ArrayList<>())
                    .add(lock);
        }
        return held;
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
        for (long[] p : backends.get(pid).pauses) {
            total += Math.max(0, Math.min(to, p[1]) - Math.max(from, p[0]));
        }
        return total;
    }

    static String tagOf(String sql) {
        if (sql == null || sql.equals(UNSEEN_STATEMENT)) {
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

    /** A table in one backend's transaction. */
    private record TableInTransaction(int pid, long xactStartUs, TableRef table) {
    }

    private record LockKey(long relation, LockMode mode) {
    }

    /** One migration backend: its live locks, its statements in order, its pauses at the gates. */
    private static final class Backend {
        final Map<LockKey, OpenLock> live = new LinkedHashMap<>();
        final Map<LockKey, OpenLock> released = new HashMap<>();
        long xactStartUs;
        List<BackendSample.HeldLock> lastLocks;
        boolean sameLocks;
        final List<Key> order = new ArrayList<>();
        final List<long[]> pauses = new ArrayList<>();
        Key last;

        void remember(Key key) {
            if (!key.equals(last)) {
                order.add(key);
                last = key;
            }
        }
    }

    private static final class OpenLock {
        final TableRef table;
        final LockMode mode;
        final long acquiredUs;
        final boolean inferred;
        boolean granted;
        long releasedUs;
        long firstSeenUs;
        Key owner;
        boolean confirmed = true;

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
        long xactStartUs;
        long endUs;
        long gateEndUs;

        /** An end gate (DDL or DML) paused it: all its locks were read there. */
        boolean gated() {
            return gateEndUs > 0;
        }
        long elapsedUs = -1;
        Long lockTimeoutMs;
        TableRef target;
        boolean rewrite;
        SourceLocation source;
        /** The session's count of messages when it was sent, when the driver tagged it (_MessageTag). */
        OptionalLong message = OptionalLong.empty();
        StatementEffects effects = StatementEffects.UNKNOWN;
        Long rowsChanged; // issue 16: the rows its DML gates reported, null until one does
        final List<OpenLock> locks = new ArrayList<>();
        /** Of {@link #locks}, those an earlier statement of the transaction took (its target's strongest, at the end gate). */
        final Set<OpenLock> ranUnder = new HashSet<>();
    }
}
