package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicResult;
import dev.lockwatch.alembic.AlembicRunner;
import dev.lockwatch.alembic.RevisionGraph;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.DowngradeCheck;
import dev.lockwatch.model.DowngradeCheck.Restore;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.SchemaDiff;
import dev.lockwatch.model.SchemaSnapshot;
import dev.lockwatch.postgres.ScratchDatabase;
import dev.lockwatch.watch.SchemaReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The downgrade round trip as the stairway users know it: from the baseline, each revision upgraded, downgraded one
 * step and upgraded again, unwatched, shapes compared ({@link DowngradeRoundTrip}). It climbs on a database of its
 * own, made from the {@link BaselineCopy}, with an alembic of its own (its own driver process, its connection guard
 * admitting that database alone), on a thread of its own: alongside the judged chain, whose database then sees only
 * the judged upgrades, as the deploy would. Most of either side's time is a round trip between lockwatch, Python and
 * the server, so on two cores the two overlap rather than compete.
 *
 * <p>Neither side waits for the other; the judged chain takes each revision's check ({@link #check}) when it reports
 * that revision. A downgrade that leaves the stairway's database where the next revisions cannot run is put right
 * here (stamped back, or the database made again from the copy and the applied revisions replayed): the round trip
 * never stops the chain. When the judged chain stops at a revision, so does the stairway ({@link #stopAt}).
 */
final class Stairway implements AutoCloseable, DowngradeRoundTrip.Database {
    /** How long closing waits for the command in flight once the stairway's alembic is stopped. */
    private static final long JOIN_MS = 10_000;

    private final Setup setup;
    private final DowngradeRoundTrip roundTrip;
    private final List<Revision> revisions;
    private final Map<String, CompletableFuture<DowngradeCheck>> checks = new LinkedHashMap<>();
    private final Set<String> applied;
    private final Thread thread;
    private volatile int stopAt;
    private volatile boolean closing;
    // the stairway's thread alone uses these until close() has joined it
    private ScratchDatabase database;
    private Connection connection;
    private SchemaReader schema;
    /** The last shape read, while it is still the database's: the next revision's "before". */
    private Optional<SchemaSnapshot> last = Optional.empty();

    /**
     * What a stairway needs, ready before the chain runs: the baseline copy it starts from and the alembic that
     * climbs it (started early, so that Python's start overlaps the server's).
     */
    record Setup(VerifyConfig config, RevisionGraph graph, Set<String> baseline, BaselineCopy copy,
                 AlembicRunner alembic, Cleanup cleanup) {
        /** Starts climbing {@code revisions}, in this order, from the baseline. */
        Stairway climb(List<Revision> revisions) {
            Stairway stairway = cleanup.register(new Stairway(this, revisions));
            stairway.thread.start();
            return stairway;
        }
    }

    private Stairway(Setup setup, List<Revision> revisions) {
        this.setup = setup;
        this.roundTrip = new DowngradeRoundTrip(setup.alembic(), setup.config().revisionTimeout());
        this.revisions = List.copyOf(revisions);
        this.revisions.forEach(r -> checks.put(r.id(), new CompletableFuture<>()));
        this.applied = new HashSet<>(setup.baseline());
        this.stopAt = revisions.size();
        this.thread = new Thread(this::climb, "lockwatch-stairway");
        this.thread.setDaemon(true); // closed by the Cleanup; never what keeps the JVM up
    }

    /** The round trip of {@code revision}, waiting for the stairway to get there; rethrows what stopped it. */
    DowngradeCheck check(Revision revision) throws SQLException {
        try {
            return future(revision).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LockwatchException.environment("interrupted while waiting for the downgrade round trip");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw LockwatchException.environment("the downgrade round trip failed: " + cause, cause);
        }
    }

    /** Whether {@link #check} answers at once. */
    boolean climbed(Revision revision) {
        return future(revision).isDone();
    }

    /** The judged chain stopped at {@code revision}: the stairway climbs no further than the revisions below it. */
    void stopAt(Revision revision) {
        stopAt = Math.min(stopAt, revisions.indexOf(revision));
    }

    private CompletableFuture<DowngradeCheck> future(Revision revision) {
        CompletableFuture<DowngradeCheck> future = checks.get(revision.id());
        if (future == null) {
            throw new IllegalArgumentException("the stairway does not climb " + revision.id());
        }
        return future;
    }

    private void climb() {
        try {
            database = setup.cleanup().create(setup.copy()::another);
            AlembicRunner alembic = setup.alembic();
            alembic.useDatabase(database.target(), database.guardToken());
            alembic.flyUnjudged(); // hundreds of small unwatched steps: one env.py run serves them
            ConnectionGuard.requireConnectsToScratch(alembic, setup.config().alembicCommand());
            connect();
            String broken = null;
            for (int i = 0; i < revisions.size() && i < stopAt && !closing; i++) {
                String id = revisions.get(i).id();
                DowngradeCheck check;
                if (broken != null) {
                    check = DowngradeCheck.skipped(broken);
                } else {
                    SchemaSnapshot before = last.isPresent() ? last.get() : shape();
                    AlembicResult up = alembic.upgradeUnjudged(id, setup.config().revisionTimeout());
                    if (up.succeeded()) {
                        applied.add(id);
                        check = step(id, before);
                    } else {
                        broken = "the round trip's stairway stopped: alembic upgrade " + id + " alone failed ("
                                + up.lastErrorLine() + ")";
                        check = DowngradeCheck.skipped(broken);
                    }
                }
                checks.get(id).complete(check);
            }
            stopped(new IllegalStateException("the stairway stopped below this revision"));
        } catch (Throwable e) {
            stopped(e);
        }
    }

    /** The round trip of a revision the stairway just upgraded to, from the schema {@code before} it. */
    private DowngradeCheck step(String id, SchemaSnapshot before) throws SQLException {
        Optional<String> down = setup.graph().downgradeTarget(id, applied);
        if (down.isPresent()) {
            return roundTrip.check(id, before, down.get(), this);
        }
        shape(); // the next revision's "before"
        return DowngradeCheck.skipped("alembic cannot take back merge revision " + id + " alone: each of its parents "
                + "has other applied revisions above it");
    }

    /** Whoever waits for a revision the stairway did not get to learns why. */
    private void stopped(Throwable why) {
        checks.values().forEach(f -> f.completeExceptionally(why));
    }

    /**
     * Each read is remembered: a round trip's last read is of the database as it leaves it (the upgrade again, or
     * the check that a stamp put the version back), unless it was made again ({@link #backTo} forgets it).
     */
    @Override
    public SchemaSnapshot shape() throws SQLException {
        SchemaSnapshot now = schema.readShape();
        last = Optional.of(now);
        return now;
    }

    /**
     * Stamps the revision back when its schema is intact (only the version row moved, as after a downgrade that
     * changed nothing); otherwise makes the database again from the baseline copy and replays what is applied.
     */
    @Override
    public Restore backTo(String revision, SchemaSnapshot after) throws SQLException {
        AlembicRunner alembic = setup.alembic();
        if (SchemaDiff.between(after, shape()).isEmpty()) {
            AlembicResult stamp = alembic.stamp(revision, setup.config().revisionTimeout());
            if (stamp.succeeded() && shape().versions().equals(after.versions())) {
                return Restore.STAMP;
            }
        }
        last = Optional.empty();
        alembic.land(setup.config().revisionTimeout());
        disconnect();
        setup.cleanup().remake(() -> setup.copy().restore(database));
        connect();
        for (String tip : setup.graph().tips(applied)) {
            AlembicResult result = alembic.upgradeUnjudged(tip, setup.config().revisionTimeout());
            if (!result.succeeded()) {
                throw LockwatchException.environment("replaying the chain up to " + tip + " on lockwatch's copy of the "
                        + "baseline failed, though it ran before: " + result.lastErrorLine());
            }
        }
        return Restore.REPLAY;
    }

    private void connect() throws SQLException {
        connection = ScratchDatabase.connect(database.target(), setup.config().revisionTimeout());
        schema = new SchemaReader(connection, setup.config().versionTable(), database.majorVersion()).notedChanges();
    }

    private void disconnect() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // the session is gone either way
        }
    }

    /**
     * Stops the climb (its alembic, and so the command in flight), waits for the thread and drops the stairway's
     * database: at the chain's end, and from the {@link Cleanup} on error or a signal.
     */
    @Override
    public void close() {
        closing = true;
        if (thread.isAlive()) {
            setup.alembic().close();
            try {
                thread.join(JOIN_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stopped(new IllegalStateException("the stairway was closed"));
        disconnect();
        if (database != null) {
            database.close();
        }
        setup.alembic().close(); // its driver's memory, freed now rather than at exit
    }
}
