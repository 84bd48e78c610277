package dev.lockwatch.alembic;

import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The Java half of lockwatch's connection guard (lockwatch_guard.py, loaded by lockwatch's sitecustomize in
 * every alembic process): tells the guard which database sessions must reach, and reads what it saw. A session
 * that reached another database is closed before its first statement and logged; lockwatch reads the log after
 * every alembic command and stops the run, even when env.py caught the guard's error and went on.
 */
final class SessionGuard {
    static final String DATABASE = "LOCKWATCH_GUARD_DATABASE";
    static final String TOKEN = "LOCKWATCH_GUARD_TOKEN";
    static final String LOG = "LOCKWATCH_GUARD_LOG";
    static final String SCRIPT = "lockwatch_guard.py";

    private final String database;
    private final String token;
    private final Path log;

    /** @param token the value of {@code lockwatch.token} lockwatch set on {@code database} only; empty when it could not */
    SessionGuard(String database, String token, Path log) {
        this.database = database;
        this.token = token;
        this.log = log;
    }

    /** What the guard reads in alembic's environment. */
    void environment(Map<String, String> env) {
        env.put(DATABASE, database);
        env.put(TOKEN, token);
        env.put(LOG, log.toString());
    }

    /** Stops the run when a session of the last command reached a database lockwatch did not create. */
    void requireNoRefusal(String urlVariable) {
        lines().stream().filter(l -> l.startsWith("refused ")).findFirst().ifPresent(refusal -> {
            throw LockwatchException.usage("env.py did not connect to lockwatch's database: it reached "
                    + refusal.substring("refused ".length()) + ", and lockwatch closed that session before its first "
                    + "statement; make env.py use sqlalchemy.url from the ini or read $" + urlVariable
                    + " (see --url-env): lockwatch runs migrations only in the database it creates");
        });
    }

    /** Whether the guard proved at least one session: it runs inside alembic's interpreter and saw the DBAPI. */
    boolean provedASession() {
        return lines().stream().anyMatch(l -> l.startsWith("checked "));
    }

    private List<String> lines() {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw LockwatchException.environment("cannot read lockwatch's connection guard log " + log + ": "
                    + e.getMessage());
        }
    }

}
