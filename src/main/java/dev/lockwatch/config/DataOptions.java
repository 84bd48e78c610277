package dev.lockwatch.config;

import java.nio.file.Path;

/**
 * How the baseline is made production-like.
 *
 * @param restore       a pg_dump file loaded as the baseline instead of upgrading from base, or null
 * @param pgBin         a folder with pg_restore and psql, or null to look for them
 * @param seedRows      synthetic rows per busy table, 0 for none
 * @param tableStats    a CSV or JSON export of production pg_stat_user_tables, or null
 * @param busyMinWrites with table stats: a table with at least this many inserted, updated and deleted rows is busy
 * @param busyMinRows   with table stats: a table with at least this many rows is busy
 */
public record DataOptions(Path restore, Path pgBin, long seedRows, Path tableStats, long busyMinWrites, long busyMinRows) {
    public static final long DEFAULT_BUSY_MIN_WRITES = 10_000;
    public static final long DEFAULT_BUSY_MIN_ROWS = 100_000;

    public static DataOptions none() {
        return new DataOptions(null, null, 0, null, DEFAULT_BUSY_MIN_WRITES, DEFAULT_BUSY_MIN_ROWS);
    }
}
