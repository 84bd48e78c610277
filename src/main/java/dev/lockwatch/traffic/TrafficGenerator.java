package dev.lockwatch.traffic;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lockwatch.config.TrafficSettings;
import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.TableRef;
import dev.lockwatch.model.TableTraffic;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady synthetic workload on every busy table while a revision runs, from a HikariCP pool on loopback:
 * one worker per table and request kind, each sending at most {@code requestsPerSecond}, each request bounded
 * by a statement timeout. It only reads, inserts and updates; it never decides a verdict.
 */
public final class TrafficGenerator implements AutoCloseable {
    /** application_name of the workload's sessions: the watcher tells them from the migration's. */
    public static final String APPLICATION_NAME = "lockwatch-traffic";
    public static final String LONG_TRANSACTION_NAME = "lockwatch-long-transaction";
    private static final int MAX_TABLES = 20;

    private final HikariDataSource pool;
    private final List<TableWorkload> workloads;
    private final TrafficSettings settings;
    private final DatabaseTarget target;
    private final Map<TableRef, Counters> counters = new ConcurrentHashMap<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;
    private LongTransaction longTransaction;

    private TrafficGenerator(HikariDataSource pool, List<TableWorkload> workloads, TrafficSettings settings, DatabaseTarget target) {
        this.pool = pool;
        this.workloads = workloads;
        this.settings = settings;
        this.target = target;
    }

    /** Prepares a workload for each busy table (at most {@value #MAX_TABLES}, by name). */
    public static TrafficGenerator open(DatabaseTarget target, List<TableRef> busy, TrafficSettings settings) {
        List<TableRef> tables = busy.stream().sorted().limit(MAX_TABLES).toList();
        HikariConfig config = new HikariConfig();
        config.setPoolName("lockwatch-traffic");
        config.setJdbcUrl(target.jdbcUrl());
        config.setUsername(target.user());
        config.setPassword(target.password());
        config.setMaximumPoolSize(Math.max(2, tables.size() * 3 + 1));
        config.setMinimumIdle(0);
        config.setAutoCommit(true);
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
        config.addDataSourceProperty("options", "-c lockwatch.internal=on -c statement_timeout="
                + settings.requestTimeout().toMillis());
        HikariDataSource pool = new HikariDataSource(config);
        List<TableWorkload> workloads = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            for (TableRef table : tables) {
                workloads.add(TableWorkload.discover(c, table));
            }
        } catch (SQLException e) {
            pool.close();
            throw LockwatchException.environment("cannot prepare the traffic workload: " + e.getMessage(), e);
        }
        return new TrafficGenerator(pool, workloads, settings, target);
    }

    /** Starts the workload (and the long transaction, if asked for) as a revision begins. */
    public synchronized void start() {
        counters.clear();
        running = true;
        if (!settings.longTransaction().isZero()) {
            longTransaction = LongTransaction.begin(target, workloads.stream().map(TableWorkload::table).toList(),
                    settings.longTransaction());
        }
        for (TableWorkload workload : workloads) {
            Counters c = counters.computeIfAbsent(workload.table(), t -> new Counters());
            workers.add(worker(workload, workload.read(), c.reads, c, true));
            workload.insert().ifPresent(insert -> workers.add(worker(workload, insert, c.inserts, c, false)));
            workers.add(worker(workload, workload.update(), c.updates, c, true));
        }
        workers.forEach(Thread::start);
    }

    /** Stops the workload and says, per table, what it felt. */
    public synchronized List<TableTraffic> stop() {
        running = false;
        for (Thread worker : workers) {
            try {
                worker.join(settings.requestTimeout().toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.clear();
        if (longTransaction != null) {
            longTransaction.close();
            longTransaction = null;
        }
        return workloads.stream().map(w -> counters.get(w.table()).snapshot(w.table())).toList();
    }

    private Thread worker(TableWorkload workload, String sql, AtomicLong sent, Counters counters, boolean keyed) {
        long intervalNanos = 1_000_000_000L / Math.max(1, settings.requestsPerSecond());
        long thresholdNanos = settings.stallThreshold().toNanos();
        Thread thread = new Thread(() -> {
            long n = 0;
            while (running) {
                long started = System.nanoTime();
                try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
                    Object key = workload.key(n);
                    if (keyed && key != null && sql.contains("?")) {
                        s.setObject(1, key);
                    }
                    s.execute();
                } catch (SQLException e) {
                    counters.failed.incrementAndGet(); // e.g. the table was dropped or rewritten under it
                }
                long took = System.nanoTime() - started;
                sent.incrementAndGet();
                n++;
                if (took > thresholdNanos) {
                    counters.stalled.incrementAndGet();
                }
                counters.longest.accumulateAndGet(took / 1_000_000, Math::max);
                long rest = intervalNanos - took;
                if (rest > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(rest);
                }
            }
        }, "lockwatch-traffic-" + workload.table());
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        running = false;
        if (longTransaction != null) {
            longTransaction.close();
        }
        pool.close();
    }

    /** Request counts of one table; {@code waitedOn} is filled in from the lock queue by the caller. */
    private static final class Counters {
        final AtomicLong reads = new AtomicLong();
        final AtomicLong inserts = new AtomicLong();
        final AtomicLong updates = new AtomicLong();
        final AtomicLong stalled = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong longest = new AtomicLong();

        TableTraffic snapshot(TableRef table) {
            return new TableTraffic(table, reads.get(), inserts.get(), updates.get(), stalled.get(), longest.get(), List.of());
        }
    }
}
