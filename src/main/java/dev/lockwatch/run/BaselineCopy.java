package dev.lockwatch.run;

import dev.lockwatch.model.DatabaseTarget;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.postgres.ScratchDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A copy of the scratch database as the baseline left it ({@code CREATE DATABASE ... TEMPLATE}), taken once before
 * the chain runs: the {@link Stairway}'s database is made from it, and made again from it when a downgrade leaves
 * it where the next revisions cannot run (the chain is then replayed up to where it was, unwatched).
 *
 * <p>Why one copy of the baseline and a replay, not a copy after every revision: a copy needs the database to
 * itself (every session closed, lockwatch's and alembic's) and costs a file copy of the whole database; taken
 * after each of 290 revisions that is paid 290 times, while a replay is paid only for the few downgrades that
 * break, and costs what plain alembic costs for the revisions below.
 */
final class BaselineCopy implements AutoCloseable {
    private static final int ATTEMPTS = 50;
    private final ScratchDatabase scratch;
    private final DatabaseTarget admin;
    private final String name;
    private boolean dropped;

    private BaselineCopy(ScratchDatabase scratch, DatabaseTarget admin, String name) {
        this.scratch = scratch;
        this.admin = admin;
        this.name = name;
    }

    /**
     * Copies the scratch database; every session on it (alembic's kept ones too) is ended first. The copy is
     * registered with {@code cleanup} before it is made: a signal during a copy that outlasts the shutdown hook's
     * wait still drops it, since the drop runs in the same admin session, after the CREATE.
     */
    static BaselineCopy take(ScratchDatabase scratch, DatabaseTarget admin, Cleanup cleanup) {
        String source = scratch.target().database();
        return cleanup.registerAndCreate(new BaselineCopy(scratch, admin, source + "_b"), copy ->
                copy.onAdmin(scratch, "copy the baseline", s -> {
                    ScratchDatabase.endSessions(s, source); // the driver opens new ones when they are gone
                    s.execute("create database " + copy.name + " template " + source);
                }));
    }

    /**
     * A new scratch database made from the copy, with a guard token of its own: the stairway's. Its DDL is noted
     * (capture.sql's lockwatch.noted_changes), for its reads of shapes.
     */
    ScratchDatabase another() {
        ScratchDatabase database = ScratchDatabase.create(admin, name);
        onAdmin(database, "set up the round trip's database", s -> noteChanges(s, database.target().database()));
        return database;
    }

    /** Every session of {@code database} opened from now on notes its DDL, whatever its name. */
    private static void noteChanges(Statement s, String database) throws SQLException {
        s.execute("alter database " + database + " set lockwatch.note = on");
    }

    /**
     * Makes {@code database} (one made by {@link #another}) again from the copy, under the same name and guard token;
     * nobody may be connected to it but alembic's idle sessions.
     */
    void restore(ScratchDatabase database) {
        String target = database.target().database();
        onAdmin(database, "restore the baseline", s -> {
            ScratchDatabase.endSessions(s, target);
            s.execute("drop database if exists " + target);
            s.execute("create database " + target + " template " + name);
            // a database-level setting is not copied: the connection guard's token goes back with the database
            if (!database.guardToken().isEmpty()) {
                s.execute("alter database " + target + " set lockwatch.token = '" + database.guardToken() + "'");
            }
            noteChanges(s, target);
        });
    }

    @Override
    public void close() {
        if (!dropped) {
            onAdmin(scratch, "drop the baseline copy", s -> s.execute("drop database if exists " + name));
            dropped = true;
        }
    }

    private interface Work {
        void run(Statement statement) throws SQLException;
    }

    /** Ended sessions take a moment to go: "being accessed by other users" is retried briefly. */
    private void onAdmin(ScratchDatabase on, String what, Work work) {
        try {
            on.onAdmin((Connection admin) -> {
                try (Statement s = admin.createStatement()) {
                    for (int attempt = 1; ; attempt++) {
                        try {
                            work.run(s);
                            return null;
                        } catch (SQLException e) {
                            if (!"55006".equals(e.getSQLState()) || attempt >= ATTEMPTS) {
                                throw e;
                            }
                            Thread.sleep(100);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted", e);
                }
            });
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot " + what + " (" + name + "): " + e.getMessage(), e);
        }
    }
}
