package dev.lockwatch.watch;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.ScratchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The observing side. One connection polls {@code pg_locks} and {@code pg_stat_activity} for the migration's
 * backends; a second holds both gates so that a migration paused by lockwatch's triggers waits until its
 * locks have been read, then lets it pass. Both connections stay in autocommit and hold no snapshot while
 * idle: CREATE INDEX CONCURRENTLY waits for every open snapshot.
 */
public final class LockWatcher implements AutoCloseable {
    private static final String POLL = """
            select (extract(epoch from clock_timestamp()) * 1000000)::bigint,
                   a.pid, a.application_name, a.query,
                   coalesce((extract(epoch from a.query_start) * 1000000)::bigint, -1),
                   coalesce((extract(epoch from a.xact_start) * 1000000)::bigint, -1),
                   l.locktype, l.relation::bigint, l.mode, l.granted, l.objid::bigint
              from pg_stat_activity a
              left join pg_locks l on l.pid = a.pid
               and (l.locktype = 'relation'
                    or (l.locktype = 'advisory' and l.classid = ? and l.objsubid = 2 and not l.granted))
             where a.datname = current_database() and a.pid <> pg_backend_pid()
               and a.backend_type = 'client backend'
               and a.application_name not in ('lockwatch', 'lockwatch-traffic', 'lockwatch-long-transaction')
            """;
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
    private static final Comparator<BackendSample.HeldLock> LOCK_ORDER = Comparator
            .comparingLong(BackendSample.HeldLock::relation).thenComparing(BackendSample.HeldLock::mode);
    /** The longest wait between two polls. */
    private static final long MAX_IDLE_NANOS = 5_000_000;

    private static final String CLEAR_SNAPSHOT = "select pg_stat_clear_snapshot()";
    /** Each backend's current statement, read just before and just after a poll (in the same round trip). */
    private static final String STATEMENT_STARTS = """
            select pid, coalesce((extract(epoch from query_start) * 1000000)::bigint, -1),
                   (extract(epoch from clock_timestamp()) * 1000000)::bigint
              from pg_stat_activity where datname = current_database()
            """;
    /** A paused backend: its session and its relation locks, in one query (it waits, so nothing moves). */
    private static final String PAUSED = """
            select a.application_name, a.query,
                   coalesce((extract(epoch from a.query_start) * 1000000)::bigint, -1),
                   coalesce((extract(epoch from a.xact_start) * 1000000)::bigint, -1),
                   l.relation::bigint, l.mode, l.granted
              from pg_stat_activity a
              left join pg_locks l on l.pid = a.pid and l.locktype = 'relation'
             where a.pid = ?
            """;

    private final Connection poll;
    private final Connection gate;
    private final PreparedStatement pollStatement;
    private final PreparedStatement pausedStatement;
    private final long idleNanos;
    private final List<BackendSample> samples = new ArrayList<>();
    private final Map<String, BlockedWait> waits = new LinkedHashMap<>();
    private volatile boolean recordWaits;
    private long polls;
    private final Map<Integer, BackendSample> lastByPid = new HashMap<>();
    private volatile boolean stopRequested;
    private volatile SQLException failure;
    private Thread thread;

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
        this.pausedStatement = poll.prepareStatement(PAUSED);
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

    /** Starts watching in the background; {@link #stop()} returns what was seen. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already watching");
        }
        samples.clear();
        lastByPid.clear();
        waits.clear();
        stopRequested = false;
        failure = null;
        thread = new Thread(this::loop, "lockwatch-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs {@code step} with both gates open and nobody polling: for commands whose locks nobody judges (the
     * downgrade round trip). Their sessions normally skip the gates altogether; an env.py that renames its session
     * still passes, just not paused.
     */
    public <T> T unwatched(Supplier<T> step) {
        if (thread != null) {
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

    /** The lock queue of the last {@link #start()}-{@link #stop()} span, in the order the waits began. */
    public synchronized List<BlockedWait> lockQueue() {
        return List.copyOf(waits.values());
    }

    /** Stops after one last look and returns every change seen, in time order. */
    public synchronized List<BackendSample> stop() {
        stopRequested = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
        if (failure != null) {
            throw LockwatchException.environment("the watcher lost its connection: " + failure.getMessage(), failure);
        }
        return List.copyOf(samples);
    }

    private void loop() {
        try {
            long lastChange = System.nanoTime();
            while (!stopRequested) {
                int seen = samples.size();
                boolean released = pollOnce();
                long now = System.nanoTime();
                if (released || samples.size() != seen) {
                    lastChange = now;
                }
                if (!released) {
                    LockSupport.parkNanos(idleWait(now - lastChange));
                }
            }
            pollOnce(); // the last look: locks released at exit, backends gone
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
     */
    private long idleWait(long quietNanos) {
        return Math.min(MAX_IDLE_NANOS, Math.max(idleNanos, quietNanos / 20));
    }

    /** One poll; returns true when a paused backend was released (look again at once). */
    private boolean pollOnce() throws SQLException {
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
                b.appName = rs.getString(3);
                b.query = rs.getString(4);
                b.queryStartUs = rs.getLong(5);
                b.xactStartUs = rs.getLong(6);
                String locktype = rs.getString(7);
                if ("relation".equals(locktype)) {
                    heldLock(rs, 8).ifPresent(b.locks::add);
                } else if ("advisory".equals(locktype)) {
                    b.waitingGate = (int) rs.getLong(11);
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
        for (Integer pid : new ArrayList<>(lastByPid.keySet())) {
            if (!current.containsKey(pid)) {
                samples.add(BackendSample.gone(now, pid));
                lastByPid.remove(pid);
            }
        }
        boolean released = false;
        for (Map.Entry<Integer, Builder> entry : current.entrySet()) {
            Builder b = entry.getValue();
            b.locks.sort(LOCK_ORDER);
            boolean settled = Long.valueOf(b.queryStartUs).equals(startsBefore.get(entry.getKey()))
                    && Long.valueOf(b.queryStartUs).equals(startsAfter.get(entry.getKey()));
            BackendSample sample = new BackendSample(now, entry.getKey(), b.query, b.queryStartUs, b.xactStartUs,
                    b.locks, null, false, -1, settled);
            if (b.waitingGate > 0) {
                sample = settled(sample).released(release(b.waitingGate));
                released = true;
            }
            if (!sample.sameStateAs(lastByPid.get(entry.getKey()))) {
                samples.add(sample);
                lastByPid.put(entry.getKey(), sample);
            }
        }
        return released;
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
     * A paused backend's statement, published pause and locks, read again now that it waits and can change
     * nothing. One poll is no single snapshot: pg_stat_activity is read apart from pg_locks, and pg_locks reads
     * each backend's fast-path locks (the weak modes DML takes) before the shared lock table that shows the
     * wait, so a lock taken in between would be missing.
     */
    private BackendSample settled(BackendSample polled) throws SQLException {
        pausedStatement.setInt(1, polled.pid());
        String applicationName = null;
        String query = null;
        long queryStart = -1;
        long xactStart = -1;
        List<BackendSample.HeldLock> locks = new ArrayList<>();
        try (ResultSet rs = pausedStatement.executeQuery()) {
            if (!rs.next()) {
                return polled;
            }
            applicationName = rs.getString(1);
            query = rs.getString(2);
            queryStart = rs.getLong(3);
            xactStart = rs.getLong(4);
            do {
                heldLock(rs, 5).ifPresent(locks::add);
            } while (rs.next());
        }
        locks.sort(LOCK_ORDER);
        return new BackendSample(polled.timeUs(), polled.pid(), query, queryStart, xactStart, locks,
                Pause.parse(applicationName).orElse(null), false, -1, true);
    }

    /** A relation lock from columns relation, mode, granted starting at {@code first}; empty for modes not tracked. */
    private static Optional<BackendSample.HeldLock> heldLock(ResultSet rs, int first) throws SQLException {
        Optional<LockMode> mode = LockMode.fromPgLocks(rs.getString(first + 1));
        if (mode.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BackendSample.HeldLock(rs.getLong(first), mode.get(), rs.getBoolean(first + 2)));
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


    /**
     * Lets a paused backend through gate {@code number} and takes the gate back once it has passed; both
     * statements go in one round trip, and the second returns only after the backend has passed.
     */
    private long release(int number) throws SQLException {
        try (var s = gate.createStatement()) {
            s.execute("select pg_advisory_unlock(" + Capture.GATE_KEY + ", " + number + "); select pg_advisory_lock("
                    + Capture.GATE_KEY + ", " + number + "), (extract(epoch from clock_timestamp()) * 1000000)::bigint");
            s.getMoreResults();
            try (ResultSet rs = s.getResultSet()) {
                rs.next();
                return rs.getLong(2);
            }
        }
    }

    @Override
    public void close() {
        stopRequested = true;
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

    private static final class Builder {
        String appName;
        String query;
        long queryStartUs;
        long xactStartUs;
        int waitingGate;
        final List<BackendSample.HeldLock> locks = new ArrayList<>();
    }
}
