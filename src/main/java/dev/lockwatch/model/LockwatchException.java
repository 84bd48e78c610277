package dev.lockwatch.model;

/** A failure that ends the run with a one-line message and a documented exit status. */
public class LockwatchException extends RuntimeException {
    /** Bad usage or configuration: the user has something to fix. */
    public static final int USAGE = 2;
    /** The environment failed: no alembic, no Postgres, no Docker. */
    public static final int ENVIRONMENT = 3;

    private final int exitCode;

    private LockwatchException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static LockwatchException usage(String message) {
        return new LockwatchException(USAGE, message, null);
    }

    public static LockwatchException environment(String message) {
        return new LockwatchException(ENVIRONMENT, message, null);
    }

    public static LockwatchException environment(String message, Throwable cause) {
        return new LockwatchException(ENVIRONMENT, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
