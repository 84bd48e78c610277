package dev.lockwatch.model;

import java.util.Arrays;
import java.util.Optional;

/** PostgreSQL table-level lock modes, weakest first (the order of the documentation's conflict table). */
public enum LockMode {
    ACCESS_SHARE("AccessShareLock", "ACCESS SHARE"),
    ROW_SHARE("RowShareLock", "ROW SHARE"),
    ROW_EXCLUSIVE("RowExclusiveLock", "ROW EXCLUSIVE"),
    SHARE_UPDATE_EXCLUSIVE("ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"),
    SHARE("ShareLock", "SHARE"),
    SHARE_ROW_EXCLUSIVE("ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"),
    EXCLUSIVE("ExclusiveLock", "EXCLUSIVE"),
    ACCESS_EXCLUSIVE("AccessExclusiveLock", "ACCESS EXCLUSIVE");

    private final String pgLocksName;
    private final String sqlName;

    LockMode(String pgLocksName, String sqlName) {
        this.pgLocksName = pgLocksName;
        this.sqlName = sqlName;
    }

    /** The mode as {@code pg_locks.mode} spells it. */
    public static Optional<LockMode> fromPgLocks(String mode) {
        return Arrays.stream(values()).filter(m -> m.pgLocksName.equals(mode)).findFirst();
    }

    /** The mode as {@code pg_locks.mode} spells it, e.g. {@code ShareRowExclusiveLock}. */
    public String pgLocksName() {
        return pgLocksName;
    }

    public static Optional<LockMode> fromSqlName(String name) {
        return Arrays.stream(values()).filter(m -> m.sqlName.equalsIgnoreCase(name.trim())).findFirst();
    }

    /** The mode as LOCK TABLE and the documentation spell it, e.g. {@code SHARE ROW EXCLUSIVE}. */
    public String sqlName() {
        return sqlName;
    }

    /** Whether the two modes conflict, as PostgreSQL's table of conflicting lock modes has it. */
    public boolean conflictsWith(LockMode other) {
        return switch (this) {
            case ACCESS_SHARE -> other == ACCESS_EXCLUSIVE;
            case ROW_SHARE -> other.atLeast(EXCLUSIVE);
            case ROW_EXCLUSIVE -> other.atLeast(SHARE);
            case SHARE_UPDATE_EXCLUSIVE -> other.atLeast(SHARE_UPDATE_EXCLUSIVE);
            case SHARE -> other == ROW_EXCLUSIVE || other == SHARE_UPDATE_EXCLUSIVE || other.atLeast(SHARE_ROW_EXCLUSIVE);
            case SHARE_ROW_EXCLUSIVE -> other.atLeast(ROW_EXCLUSIVE);
            case EXCLUSIVE -> other.atLeast(ROW_SHARE);
            case ACCESS_EXCLUSIVE -> true;
        };
    }

    /**
     * Whether a transaction holding {@code held} on a table gets this mode there without waiting, whoever else holds
     * what: every mode another transaction can hold beside {@code held} is one this mode does not conflict with.
     */
    public boolean grantedAlongside(java.util.Collection<LockMode> held) {
        return Arrays.stream(values()).noneMatch(other -> held.stream().noneMatch(other::conflictsWith)
                && conflictsWith(other));
    }

    public boolean atLeast(LockMode other) {
        return compareTo(other) >= 0;
    }

    /** SHARE and stronger conflict with ROW EXCLUSIVE, the lock every INSERT, UPDATE and DELETE takes. */
    public boolean blocksWrites() {
        return atLeast(SHARE);
    }

    /** Only ACCESS EXCLUSIVE conflicts with ACCESS SHARE, the lock of a plain SELECT. */
    public boolean blocksReads() {
        return this == ACCESS_EXCLUSIVE;
    }

    /** What the mode does to a busy table's traffic, in words. */
    public String impact() {
        if (blocksReads()) {
            return "blocks reads and writes";
        }
        if (blocksWrites()) {
            return "blocks writes (INSERT, UPDATE, DELETE); reads continue";
        }
        if (this == SHARE_UPDATE_EXCLUSIVE) {
            return "blocks other schema changes and VACUUM; reads and writes continue";
        }
        return "does not block reads or writes";
    }
}
