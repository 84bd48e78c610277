package dev.lockwatch.cli;

import dev.lockwatch.config.DataOptions;
import dev.lockwatch.model.LockwatchException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How the baseline is made production-like: a dump, synthetic rows, production's table statistics. */
final class DataArguments {
    @Option(names = "--restore", paramLabel = "FILE",
            description = "load this pg_dump (plain SQL, -Fc, -Ft or -Fd) as the baseline instead of upgrading from "
                    + "base, then verify the revisions above its alembic_version; ownership and grants are skipped")
    Path restore;

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "folder of psql and pg_restore for --restore (default: PATH, then the newest "
                    + "/usr/lib/postgresql/N/bin)")
    Path pgBin;

    @Option(names = "--seed-rows", paramLabel = "N", defaultValue = "0",
            description = "fill every busy table of the baseline with N synthetic rows that satisfy its types, NOT NULL, "
                    + "unique and foreign keys, so hold times are measured on volume (default: none)")
    long seedRows;

    @Option(names = "--table-stats", paramLabel = "FILE",
            description = "production's pg_stat_user_tables export, CSV or JSON (query in src/site/markdown/configuration.md): decides which "
                    + "tables are busy and scales each lock's hold time to an estimate at production size")
    Path tableStats;

    @Option(names = "--busy-min-writes", paramLabel = "N", defaultValue = "" + DataOptions.DEFAULT_BUSY_MIN_WRITES,
            description = "with --table-stats: a table with at least N inserted+updated+deleted rows is busy "
                    + "(default: ${DEFAULT-VALUE})")
    long busyMinWrites;

    @Option(names = "--busy-min-rows", paramLabel = "N", defaultValue = "" + DataOptions.DEFAULT_BUSY_MIN_ROWS,
            description = "with --table-stats: a table with at least N rows is busy (default: ${DEFAULT-VALUE})")
    long busyMinRows;

    /** @param from the baseline revision of --from, which a dump replaces */
    DataOptions options(String from) {
        if (restore != null && !RevisionRange.DEFAULT_FROM.equals(from)) {
            throw LockwatchException.usage("--restore and --from both set the baseline: drop --from, the dump's "
                    + "alembic_version is the baseline");
        }
        if (seedRows < 0 || busyMinWrites < 0 || busyMinRows < 0) {
            throw LockwatchException.usage("--seed-rows, --busy-min-writes and --busy-min-rows take a number of 0 or more");
        }
        return new DataOptions(restore, pgBin, seedRows, tableStats, busyMinWrites, busyMinRows);
    }
}
