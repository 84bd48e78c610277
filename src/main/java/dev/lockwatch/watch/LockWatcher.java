package dev.lockwatch.watch;

import dev.lockwatch.capture.GateEffects;
import dev.lockwatch.capture.GateProtocol;
import dev.lockwatch.capture.Capture;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.ScratchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The observing side. One connection glances at {@code pg_stat_activity} and polls it with {@code pg_locks} for the
 * migration's backends; a second holds both gates so that a migration paused by lockwatch's triggers waits until
 * that connection has read its locks, then lets it pass. Both connections stay in autocommit and hold no snapshot while
 * idle: CREATE INDEX CONCURRENTLY waits for every open snapshot.
 */
public final class LockWatcher implements AutoCloseable {
    /** The sessions a poll looks at: every client of the scratch database but lockwatch's own. */
    private static final String MIGRATION_BACKENDS = """
             where a.datname = current_database() and a.pid <> pg_backend_pid()
               and a.backend_type = 'client backend'
               and a.application_name not in ('lockwatch', 'lockwatch-traffic', 'lockwatch-long-transaction')
            """;
    /** What a backend waits for in the lock manager (a table, a gate's advisory lock), else ''. */
    private static final String LOCK_WAIT = "coalesce(case when a.wait_event_type = 'Lock' then a.wait_event end, '')";
    private static final String POLL = """
            select (extract(epoch from clock_timestamp()) * 1000000)::bigint, a.pid,
                   case when row_number() over (partition by a.pid) = 1 then a.query end,
                   coalesce((extract(epoch from a.query_start) * 1000000)::bigint, -1),
                   coalesce((extract(epoch from a.xact_start) * 1000000)::bigint, -1),
                   l.locktype, l.relation::bigint, l.mode, l.granted, l.objid::bigint, %s
              from pg_stat_activity a
              left join pg_locks l on l.pid = a.pid
               and ((%s)
                    or (l.locktype = 'advisory' and l.classid = ? and l.objsubid = 2 and not l.granted))
            %s""".formatted(LOCK_WAIT, GateProtocol.TABLE_LOCK, MIGRATION_BACKENDS);
    /**
     * A glance: each backend's statement, transaction and lock wait, from pg_stat_activity alone. One statement
     * the server keeps prepared, and no pg_locks: a fraction of a poll's cost, so it can be asked as often as a
     * gate must be noticed. A poll follows whenever the glance differs from what the last poll saw.
     */
    private static final String GLANCE = """
            select a.pid, coalesce((extract(epoch from a.query_start) * 1000000)::bigint, -1),
                   coalesce((extract(epoch from a.xact_start) * 1000000)::bigint, -1), %s, a.application_name,
                   a.state = 'active'
              from pg_stat_activity a
            %s""".formatted(LOCK_WAIT, MIGRATION_BACKENDS);
    /** Who waits on whom, for the lock queue report when traffic runs. */
    private static final String WAITS = """
            select (extract(epoch from clock_timestamp()) * 1000000)::bigint, w.pid, w.application_name, w.query,
                   l.relation::bigint, l.mode, b.pid, b.application_name, b.query
              from pg_locks l
              join pg_stat_activity w on w.pid = l.pid
             cross join lateral unnest(pg_blocking_pids(l.pid)) as blocker(pid)
              join pg_stat_activity b on b.pid = blocker.pid
             where not l.granted and l.locktype = 'relation' and w.datname = current_database()
            """;
    /** The lock queue is read every this many polls: pg_blocking_pids is dearer than a poll. */
    private static final int WAITS_EVERY = 4;
    /** Locks in a sample are kept sorted, so two samples compare equal when they hold the same locks. */
    static final Comparator<BackendSample.HeldLock> LOCK_ORDER = Comparator
            .comparingLong(BackendSample.HeldLock::relation).thenComparing(BackendSample.HeldLock::mode);
    /** The longest wait between two looks (a glance or a poll) while a gate may wait for the watcher. */
    private static final long MAX_IDLE_NANOS = 5_000_000;
    /**
     * The longest wait between two looks while the migration reports its gates in-band: nothing waits for the
     * watcher then, so a long statement shares the CPU with fewer looks (a backend seen waiting at a gate all the
     * same makes the watcher eager again).
     */
    private static final long REPORTED_MAX_IDLE_NANOS = 25_000_000;
    /**
     * While glances see nothing move, a poll still comes this often (with gates reported in-band, only while a
     * statement runs long): a statement may take a table lock midway without waiting for it, which only pg_locks
     * shows (the statement's end gate reads it in any case).
     */
    private static final long POLL_AT_LEAST_EVERY_NANOS = 20_000_000;
    /** While gates are reported in-band, a statement glanced this long is polled (see {@link #worthAPoll}). */
    private static final long LONG_STATEMENT_NANOS = 50_000_000;

    private static final String CLEAR_SNAPSHOT = "select pg_stat_clear_snapshot()";
    /** Each backend's current statement, read just before and just after a poll (in the same round trip). */
    private static final String STATEMENT_STARTS = """
            select pid, coalesce((extract(epoch from query_start) * 1000000)::bigint, -1),
                   (extract(epoch from clock_timestamp()) * 1000000)::bigint
              from pg_stat_activity where datname = current_database()
            """;
    /**
     * Passing a gate, in one round trip on the gate connection: the paused backend's session and relation locks
     * (it waits, so nothing moves), then the gate opened, then taken back, which returns once the backend has
     * passed. The server's clock comes with the read and with the return.
     */
    private static final String PASS = """
            select (extract(epoch from clock_timestamp()) * 1000000)::bigint, a.application_name,
                   case when row_number() over () = 1 then a.query end,
                   coalesce((extract(epoch from a.query_start) * 1000000)::bigint, -1),
                   coalesce((extract(epoch from a.xact_start) * 1000000)::bigint, -1),
                   l.relation::bigint, l.mode, l.granted
              from pg_stat_activity a
              left join pg_locks l on l.pid = a.pid and %2$s
             where a.pid = ?;
            select pg_advisory_unlock(%1$d, ?);
            select pg_advisory_lock(%1$d, ?), (extract(epoch from clock_timestamp()) * 1000000)::bigint
            """.formatted(Capture.GATE_KEY, GateProtocol.TABLE_LOCK);

    private final Connection poll;
    private final Connection gate;
    private final PreparedStatement pollStatement;
    private final PreparedStatement passStatement;
    private final PreparedStatement glanceStatement;
    private final long idleNanos;
    /** track_activity_query_size: how much of a statement pg_stat_activity shows, and so every sample. */
    private final int queryBytes;
    private final List<BackendSample> samples = new ArrayList<>();
    private final Map<String, BlockedWait> waits = new LinkedHashMap<>();
    /** Gates that come through application_name in chunks, being reassembled. */
    private final GateProtocol.Chunks chunks = new GateProtocol.Chunks();
    private volatile boolean recordWaits;
    private long polls;
    private final Map<Integer, BackendSample> lastByPid = new HashMap<>();
    /**
     * Each lock read once, shared by every sample that shows it: in one long transaction each look shows all that the
     * transaction took so far, so the samples would otherwise hold statements x locks copies.
     */
    private final Map<BackendSample.HeldLock, BackendSample.HeldLock> heldLocks = new HashMap<>();
    /** What the last poll saw of each backend, as a glance would; one let through a gate since waits no more. */
    private Map<Integer, Glance> lastPolled = new HashMap<>();
    /** Each backend's statement as glances saw it: {query_start, System.nanoTime() when first glanced}. */
    private final Map<Integer, long[]> statementSeen = new HashMap<>();
    private long lastPollNanos;
    /** No look of this watch has been taken yet. */
    private boolean firstLook;
    /** The gates of this watch are reported in-band ({@link #start}), and none has waited yet. */
    private boolean gatesReported;
    /**
     * This watch's in-band reports, read as they come ({@link #reported}) and at its end: by the thread that runs the
     * watched command and then stops the watch, never by the watcher's own.
     */
    private ReportedGate inBand;
    private final List<BackendSample> inBandSamples = new ArrayList<>();
    private volatile boolean stopRequested;
    /** When the run this watch observes runs out of time: lockwatch ends it then, not before. */
    private long deadlineNanos;
    /** How many samples the looks that ended by {@link #deadlineNanos} took: the run as it stood then. */
    private int samplesByDeadline;
    /** The server's clock (as samples give it, in µs) less System.nanoTime() in µs, as the last poll found it. */
    private long serverMinusLocalUs;
    private volatile SQLException failure;
    /**
     * The watcher's thread, made at the first watch and kept for the next ones: a chain from base starts and stops a
     * watch at every revision, between one revision's answer and the next one's go.
     */
    private Thread thread;
    /** A watch is on: set by {@link #start}, cleared by the watcher's thread once its last look is taken. */
    private volatile boolean watching;
    private volatile boolean closed;
    /** Released by the watcher's thread at the end of each watch. */
    private final Semaphore watchEnded = new Semaphore(0);

    private LockWatcher(Connection poll, Connection gate, long idleNanos) throws SQLException {
        this.poll = poll;
        this.gate = gate;
        this.idleNanos = idleNanos;
        // statement starts, the poll, statement starts again: one after another, sent in one round trip. They run
        // as one implicit transaction, in which pg_stat_activity would be read once and cached: clearing that
        // snapshot between them makes each read fresh, as the settled check needs.
        this.pollStatement = poll.prepareStatement(STATEMENT_STARTS + ";" + CLEAR_SNAPSHOT + ";" + POLL + ";"
                + CLEAR_SNAPSHOT + ";" + STATEMENT_STARTS);
        pollStatement.setInt(1, Capture.GATE_KEY);
        this.passStatement = gate == null ? null : gate.prepareStatement(PASS);
        this.glanceStatement = poll.prepareStatement(GLANCE);
        try (var s = poll.createStatement();
             ResultSet rs = s.executeQuery("select setting::int from pg_settings where name = 'track_activity_query_size'")) {
            this.queryBytes = rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Connects to the scratch database. With {@code gated}, the gate connection takes both gates so migrations
     * pause at lockwatch's triggers; without (no event triggers, e.g. not superuser), capture is polling only.
     */
    public static LockWatcher open(DatabaseTarget target, boolean gated, long pollIntervalMicros) {
        try {
            Connection poll = ScratchDatabase.connect(target);
            Connection gate = null;
            if (gated) {
                gate = ScratchDatabase.connect(target);
            }
            LockWatcher watcher = new LockWatcher(poll, gate, pollIntervalMicros * 1000);
            if (gated) {
                watcher.gates("pg_advisory_lock");
            }
            return watcher;
        } catch (SQLException e) {
            throw LockwatchException.environment("the watcher cannot connect to " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts watching in the background; {@link #stop} returns what was seen. With {@code gatesReported}, the
     * migration's sessions report lockwatch's gates in-band rather than wait there, so the watcher looks less often,
     * unless it records the lock queue (which takes every look it gets). The run watched ends when it runs out of
     * {@code time}, counted from now (--revision-timeout, at most a week): {@link #stopTimedOut} returns what was seen
     * until then.
     */
    public synchronized void start(boolean gatesReported, Duration time) {
        if (watching) {
            throw new IllegalStateException("already watching");
        }
        this.gatesReported = gatesReported && !recordWaits;
        deadlineNanos = System.nanoTime() + time.toNanos(); // compared as a difference: overflow wraps harmlessly
        samplesByDeadline = 0;
        samples.clear();
        lastByPid.clear();
        heldLocks.clear();
        waits.clear();
        lastPolled = new HashMap<>();
        statementSeen.clear();
        lastPollNanos = System.nanoTime() - POLL_AT_LEAST_EVERY_NANOS;
        firstLook = true;
        inBand = new ReportedGate(queryBytes);
        inBandSamples.clear();
        stopRequested = false;
        failure = null;
        watching = true; // after the state above: the thread reads this first
        if (thread == null || !thread.isAlive()) {
            thread = new Thread(this::watches, "lockwatch-watcher");
            thread.setDaemon(true);
            thread.start();
        } else {
            LockSupport.unpark(thread);
        }
    }

    /** The watcher's thread: one watch after another, until the watcher is closed. */
    private void watches() {
        while (!closed) {
            if (!watching) {
                LockSupport.park(this);
                continue;
            }
            try {
                loop();
            } finally {
                watching = false;
                watchEnded.release();
            }
        }
    }

    /**
     * Runs {@code step} with both gates open and nobody polling: for commands whose locks nobody judges (the
     * downgrade round trip). Their sessions normally skip the gates altogether; an env.py that renames its session
     * still passes, just not paused.
     */
    public <T> T unwatched(Supplier<T> step) {
        if (watching) {
            throw new IllegalStateException("cannot open the gates while watching");
        }
        if (gate == null) {
            return step.get();
        }
        gates("pg_advisory_unlock");
        try {
            return step.get();
        } finally {
            gates("pg_advisory_lock");
        }
    }

    private void gates(String function) {
        try (var s = gate.createStatement()) {
            s.execute("select " + function + "(" + Capture.GATE_KEY + ", 1), " + function + "(" + Capture.GATE_KEY + ", 2)");
        } catch (SQLException e) {
            throw LockwatchException.environment("the watcher lost its connection: " + e.getMessage(), e);
        }
    }

    /** Also record the lock queue (who waits on whom), for {@code --traffic}. */
    public void recordLockQueue(boolean record) {
        this.recordWaits = record;
    }

    /** The lock queue of the last {@link #start}-{@link #stop} span, in the order the waits began. */
    public synchronized List<BlockedWait> lockQueue() {
        return List.copyOf(waits.values());
    }

    /**
     * A gate the migration's sessions reported in-band, as it came while the command runs, in the order they were
     * sent: read now, while alembic works, rather than after it. From the thread that runs the command and then calls
     * {@link #stop}.
     */
    public void reported(String report) {
        if (inBand == null) {
            throw new IllegalStateException("not watching");
        }
        inBand.parse(report).ifPresent(inBandSamples::add);
    }

    /**
     * Stops after one last look and returns every change seen, with the gates the migration's sessions reported
     * in-band ({@link #reported} as they came, then {@code reportedGates}: the rest the command's answer carried), in
     * time order.
     */
    public synchronized List<BackendSample> stop(List<String> reportedGates) {
        return stop(reportedGates, false, reported -> { });
    }

    /**
     * {@link #stop(List)}, running {@code whileLastLook} with what the gates reported (the samples their reports
     * make) while the watcher takes its last look: work of lockwatch's own that needs only those need not wait for
     * that look's round trip.
     */
    public synchronized List<BackendSample> stop(List<String> reportedGates,
                                                 Consumer<List<BackendSample>> whileLastLook) {
        return stop(reportedGates, false, whileLastLook);
    }

    /**
     * Stops, and returns what was seen until the run ran out of time, as it stood then: ending it kills its
     * sessions, and a session killed while holding a lock lets another that waited for it through, which the
     * revision never did (the last of those is where it hung). Each backend still there is gone at the deadline.
     */
    public synchronized List<BackendSample> stopTimedOut() {
        return stop(List.of(), true, reported -> { });
    }

    private List<BackendSample> stop(List<String> reportedGates, boolean timedOut,
                                     Consumer<List<BackendSample>> whileLastLook) {
        if (thread == null) {
            throw new IllegalStateException("not watching");
        }
        stopRequested = true;
        LockSupport.unpark(thread);
        // the reports the answer carried are parsed while the watcher takes its last look (a round trip): both lie
        // between one revision's answer and the next one's go
        ReportedGate reader = inBand;
        List<BackendSample> reported = new ArrayList<>(timedOut ? List.of() : inBandSamples);
        inBand = null;
        inBandSamples.clear();
        for (String report : reportedGates) {
            reader.parse(report).ifPresent(reported::add);
        }
        try {
            whileLastLook.accept(reader.withoutCreatedRelations(reported));
        } finally {
            watchEnded.acquireUninterruptibly();
        }
        if (failure != null) {
            throw LockwatchException.environment("the watcher lost its connection: " + failure.getMessage(), failure);
        }
        List<BackendSample> seen = new ArrayList<>(timedOut ? asAtDeadline() : samples);
        seen.addAll(reported);
        seen.sort(Comparator.comparingLong(BackendSample::timeUs));
        return List.copyOf(reader.withoutCreatedRelations(seen));
    }

    /** The samples of the looks that ended by the deadline, then each backend they left behind gone at the deadline. */
    private List<BackendSample> asAtDeadline() {
        List<BackendSample> kept = new ArrayList<>(samples.subList(0, samplesByDeadline));
        Map<Integer, BackendSample> last = new LinkedHashMap<>();
        kept.forEach(sample -> last.put(sample.pid(), sample));
        long lastSeen = kept.isEmpty() ? 0 : kept.get(kept.size() - 1).timeUs();
        long end = Math.max(lastSeen, deadlineNanos / 1000 + serverMinusLocalUs); // the last look came at the latest
        last.values().stream().filter(sample -> !sample.gone())
                .forEach(sample -> kept.add(BackendSample.gone(end, sample.pid())));
        return kept;
    }

    /** A look that ended by the deadline ({@code now}) saw the run before lockwatch ended it: its samples count. */
    private void keepIfByDeadline(long now) {
        if (now - deadlineNanos <= 0) {
            samplesByDeadline = samples.size();
        }
    }

    private void loop() {
        try {
            long lastChange = System.nanoTime();
            while (!stopRequested) {
                int seen = samples.size();
                boolean released = look();
                long now = System.nanoTime();
                keepIfByDeadline(now);
                if (released || samples.size() != seen) {
                    lastChange = now;
                }
                if (!released) {
                    LockSupport.parkNanos(idleWait(now - lastChange));
                }
            }
            pollOnce(); // the last look: locks released at exit, backends gone
            keepIfByDeadline(System.nanoTime());
            long now = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).timeUs();
            for (Integer pid : new ArrayList<>(lastByPid.keySet())) {
                samples.add(BackendSample.gone(now, pid));
            }
        } catch (SQLException e) {
            failure = e;
        }
    }

    /**
     * How long to wait before the next poll when nothing moved: the base interval, growing with how long nothing
     * has changed (at most a twentieth of it, and {@link #MAX_IDLE_NANOS}). A long statement (an index build on a
     * big table) then shares the CPU with few polls, and its end gate is still noticed within 5% of its own time.
     * While gates are reported in-band, no gate waits to be noticed: the wait grows four times as fast, to
     * {@link #REPORTED_MAX_IDLE_NANOS}; right after a change the looks still come quickly, to see a brief statement
     * no gate pauses.
     */
    private long idleWait(long quietNanos) {
        if (gatesReported) {
            return Math.min(REPORTED_MAX_IDLE_NANOS, Math.max(idleNanos, quietNanos / 5));
        }
        return Math.min(MAX_IDLE_NANOS, Math.max(idleNanos, quietNanos / 20));
    }

    /**
     * One look; returns true when a paused backend was let through (look again at once). With gates, a glance
     * decides whether to poll: it sees a statement or transaction begin or end, or a backend wait for a lock, and a
     * backend waiting at a gate is read and let through without a poll. Without gates (polling is all the
     * capture there is) and while the lock queue is recorded, every look is a poll.
     */
    private boolean look() throws SQLException {
        if (gate == null || recordWaits
                || !gatesReported && System.nanoTime() - lastPollNanos >= POLL_AT_LEAST_EVERY_NANOS) {
            return pollOnce();
        }
        Map<Integer, Glance> glance = new HashMap<>();
        Map<Integer, Integer> atGates = new HashMap<>();
        Set<Integer> active = new HashSet<>();
        try (ResultSet rs = glanceStatement.executeQuery()) {
            while (rs.next()) {
                int pid = rs.getInt(1);
                Glance backend = new Glance(rs.getLong(2), rs.getLong(3), rs.getString(4));
                glance.put(pid, backend);
                if (rs.getBoolean(6)) {
                    active.add(pid);
                }
                if (backend.lockWait().equals("advisory")) {
                    GateProtocol.gateOf(rs.getString(5)).ifPresent(gate -> atGates.put(pid, gate));
                }
            }
        }
        for (Map.Entry<Integer, Integer> waiting : atGates.entrySet()) {
            BackendSample passed = letThrough(waiting.getKey(), waiting.getValue());
            if (passed != null) {
                record(passed);
            }
        }
        if (!atGates.isEmpty()) {
            return true;
        }
        if (gatesReported) {
            boolean first = firstLook;
            firstLook = false;
            if (first && glance.values().stream().allMatch(g -> g.lockWait().isEmpty())) {
                lastPolled = glance; // see worthAPoll
                return false;
            }
            return worthAPoll(glance, active) && pollOnce();
        }
        return !glance.equals(lastPolled) && pollOnce();
    }

    /**
     * While gates are reported in-band, each statement's gates already carry its locks, read by its own session: a
     * poll at every statement would read the whole lock table again to learn nothing more, and in a deploy of
     * hundreds of quick statements those polls cost more than the statements. A poll then comes only for what
     * gates cannot tell: a backend waiting for a lock (the lock queue), a backend or transaction beginning or ending
     * (when locks are released), and a statement running long (when it took its locks), every
     * {@link #POLL_AT_LEAST_EVERY_NANOS}. A session idle in its transaction (Python between two statements, or
     * loading the next revision of a joint deploy) takes no lock, however long it idles: only a running statement
     * counts as long. A watch's first look polls only for a backend waiting for a lock: the sessions it finds sit
     * between commands, or read the version table before their go, and what they lock from then on their gates
     * report; it is the baseline the next looks compare with. Its poll, running alongside each revision's first
     * statements from base, cost 6% of the wall time (side by side).
     *
     * @param active the backends running a statement ({@code state = 'active'})
     */
    private boolean worthAPoll(Map<Integer, Glance> glance, Set<Integer> active) {
        long now = System.nanoTime();
        boolean longRunning = false;
        for (Map.Entry<Integer, Glance> backend : glance.entrySet()) {
            Glance seen = backend.getValue();
            Glance polled = lastPolled.get(backend.getKey());
            if (!seen.lockWait().isEmpty() || polled == null || polled.xactStartUs() != seen.xactStartUs()) {
                return true;
            }
            long[] since = statementSeen.get(backend.getKey());
            if (since == null || since[0] != seen.queryStartUs()) {
                statementSeen.put(backend.getKey(), new long[] {seen.queryStartUs(), now});
            } else if (now - since[1] >= LONG_STATEMENT_NANOS && active.contains(backend.getKey())) {
                longRunning = true;
            }
        }
        statementSeen.keySet().retainAll(glance.keySet());
        return !glance.keySet().equals(lastPolled.keySet())
                || longRunning && now - lastPollNanos >= POLL_AT_LEAST_EVERY_NANOS;
    }

    /** One poll; returns true when a paused backend was let through (look again at once). */
    private boolean pollOnce() throws SQLException {
        lastPollNanos = System.nanoTime();
        if (recordWaits && polls++ % WAITS_EVERY == 0) {
            pollWaits();
        }
        Map<Integer, Builder> current = new LinkedHashMap<>();
        long now = 0;
        pollStatement.execute();
        Map<Integer, Long> startsBefore = statementStarts(pollStatement.getResultSet()).byPid();
        pollStatement.getMoreResults(); // the snapshot cleared
        pollStatement.getMoreResults();
        try (ResultSet rs = pollStatement.getResultSet()) {
            while (rs.next()) {
                now = rs.getLong(1);
                int pid = rs.getInt(2);
                Builder b = current.computeIfAbsent(pid, p -> new Builder());
                if (b.query == null) {
                    b.query = rs.getString(3); // the backend's first row alone carries it: a statement of 16 kB, once
                }
                b.queryStartUs = rs.getLong(4);
                b.xactStartUs = rs.getLong(5);
                b.lockWait = rs.getString(11);
                String locktype = rs.getString(6);
                if ("relation".equals(locktype)) {
                    heldLock(rs, 7).ifPresent(b.locks::add);
                } else if ("advisory".equals(locktype)) {
                    b.waitingGate = (int) rs.getLong(10);
                }
            }
        }
        pollStatement.getMoreResults(); // the snapshot cleared
        pollStatement.getMoreResults();
        StatementStarts after = statementStarts(pollStatement.getResultSet());
        Map<Integer, Long> startsAfter = after.byPid();
        if (now == 0) {
            now = after.clockUs(); // no migration backend: the clock from the poll's own row
        }
        serverMinusLocalUs = now - System.nanoTime() / 1000;
        for (Integer pid : new ArrayList<>(lastByPid.keySet())) {
            if (!current.containsKey(pid)) {
                samples.add(BackendSample.gone(now, pid));
                lastByPid.remove(pid);
            }
        }
        boolean released = false;
        lastPolled = new HashMap<>();
        for (Map.Entry<Integer, Builder> entry : current.entrySet()) {
            Builder b = entry.getValue();
            lastPolled.put(entry.getKey(), new Glance(b.queryStartUs, b.xactStartUs, b.lockWait));
            b.locks.sort(LOCK_ORDER);
            boolean settled = Long.valueOf(b.queryStartUs).equals(startsBefore.get(entry.getKey()))
                    && Long.valueOf(b.queryStartUs).equals(startsAfter.get(entry.getKey()));
            BackendSample last = lastByPid.get(entry.getKey());
            // the same locks as last time (a new statement that took none yet): the same list, not another copy
            List<BackendSample.HeldLock> locks = last != null && last.locks().equals(b.locks) ? last.locks() : b.locks;
            BackendSample sample = new BackendSample(now, entry.getKey(), b.query, b.queryStartUs, b.xactStartUs,
                    locks, null, false, -1, settled);
            if (b.waitingGate > 0) {
                BackendSample passed = letThrough(entry.getKey(), b.waitingGate);
                sample = passed != null ? passed : sample;
                released = true;
            }
            record(sample);
        }
        return released;
    }

    /**
     * Passes gate {@code number} ({@link #pass}). The backend no longer waits there, which is what the last poll
     * now says of it: its next gate, even within the same statement, differs from that in the next glance.
     */
    private BackendSample letThrough(int pid, int number) throws SQLException {
        gatesReported = false; // this session waits at the gates after all (an env.py reset its session)
        BackendSample passed = pass(pid, number);
        if (passed != null) {
            lastPolled.put(pid, new Glance(passed.queryStartUs(), passed.xactStartUs(), ""));
        }
        return passed;
    }

    private void record(BackendSample sample) {
        if (sample.pause() == null && sample.pausedUntilUs() > 0) {
            return; // a chunk of a gate's report: the gate's own sample comes with its last chunk
        }
        if (!sample.sameStateAs(lastByPid.get(sample.pid()))) {
            samples.add(sample);
            lastByPid.put(sample.pid(), sample);
        }
    }

    private void pollWaits() throws SQLException {
        try (var s = poll.createStatement(); ResultSet rs = s.executeQuery(WAITS)) {
            while (rs.next()) {
                Optional<LockMode> mode = LockMode.fromPgLocks(rs.getString(6));
                if (mode.isEmpty()) {
                    continue;
                }
                String key = rs.getInt(2) + ">" + rs.getInt(7) + "@" + rs.getLong(5) + ":" + mode.get();
                long now = rs.getLong(1);
                String blockerQuery = rs.getString(9);
                waits.merge(key, new BlockedWait(rs.getInt(2), rs.getString(3), rs.getString(4), rs.getInt(7),
                        rs.getString(8), blockerQuery, rs.getLong(5), mode.get(), now, now),
                        (old, fresh) -> old.seenAgain(now));
            }
        }
    }

    /**
     * Reads a backend paused at gate {@code number}, lets it through and takes the gate back once it has passed
     * ({@link #PASS}); returns what it held while paused, or null when it had gone. The read is taken while the
     * backend waits and can change nothing: a poll is no single snapshot, as pg_stat_activity is read apart from
     * pg_locks, and pg_locks reads each backend's fast-path locks (the weak modes DML takes) before the shared lock
     * table that shows the wait, so a lock taken in between would be missing.
     */
    private BackendSample pass(int pid, int number) throws SQLException {
        passStatement.setInt(1, pid);
        passStatement.setInt(2, number);
        passStatement.setInt(3, number);
        passStatement.execute();
        BackendSample paused = null;
        try (ResultSet rs = passStatement.getResultSet()) {
            if (rs.next()) {
                long timeUs = rs.getLong(1);
                String applicationName = rs.getString(2);
                String query = rs.getString(3);
                long queryStart = rs.getLong(4);
                long xactStart = rs.getLong(5);
                List<BackendSample.HeldLock> locks = new ArrayList<>();
                do {
                    heldLock(rs, 6).ifPresent(locks::add);
                } while (rs.next());
                locks.sort(LOCK_ORDER);
                Optional<GateProtocol.Gate> read = chunks.accept(pid, applicationName);
                paused = new BackendSample(timeUs, pid, query, queryStart, xactStart, locks,
                        read.map(GateProtocol.Gate::pause).orElse(null), false, -1, true,
                        read.map(g -> GateEffects.parse(g.effects())).orElse(GateEffects.NONE));
            }
        }
        passStatement.getMoreResults(); // the gate opened
        passStatement.getMoreResults();
        try (ResultSet rs = passStatement.getResultSet()) {
            rs.next();
            return paused == null ? null : paused.released(rs.getLong(2));
        }
    }

    /** A relation lock from columns relation, mode, granted starting at {@code first}; empty for modes not tracked. */
    private Optional<BackendSample.HeldLock> heldLock(ResultSet rs, int first) throws SQLException {
        Optional<LockMode> mode = LockMode.fromPgLocks(rs.getString(first + 1));
        if (mode.isEmpty()) {
            return Optional.empty();
        }
        BackendSample.HeldLock lock = new BackendSample.HeldLock(rs.getLong(first), mode.get(), rs.getBoolean(first + 2));
        return Optional.of(heldLocks.computeIfAbsent(lock, l -> l));
    }

    /** Each backend's statement start, and the server's clock (the watcher's own row is always there). */
    private record StatementStarts(Map<Integer, Long> byPid, long clockUs) {
    }

    private static StatementStarts statementStarts(ResultSet rs) throws SQLException {
        Map<Integer, Long> starts = new HashMap<>();
        long clock = 0;
        try (rs) {
            while (rs.next()) {
                starts.put(rs.getInt(1), rs.getLong(2));
                clock = rs.getLong(3);
            }
        }
        return new StatementStarts(starts, clock);
    }


    @Override
    public void close() {
        stopRequested = true;
        closed = true;
        Thread watcher = thread;
        if (watcher != null) {
            LockSupport.unpark(watcher);
        }
        for (Connection c : new Connection[] {poll, gate}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (SQLException ignored) {
                // closing releases the gates; nothing else to undo
            }
        }
    }

    /** A backend as a glance sees it. */
    private record Glance(long queryStartUs, long xactStartUs, String lockWait) {
    }

    private static final class Builder {
        String query;
        long queryStartUs;
        long xactStartUs;
        int waitingGate;
        String lockWait;
        final List<BackendSample.HeldLock> locks = new ArrayList<>();
    }
}
