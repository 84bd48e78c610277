package dev.lockwatch.config;

import dev.lockwatch.model.TableRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one verify run needs, resolved from the command line (and later config files).
 *
 * @param busyTables   when empty, every table that exists once the baseline is applied is busy
 * @param urlVariable  the environment variable an env.py may read the database URL from
 * @param versionTable alembic's version table name
 * @param serverUrl    an existing server to create the scratch database on, or null to start one
 * @param processPerRevision run each alembic command in its own process instead of one shared interpreter
 * @param traffic      the synthetic workload to run during each revision, or null for none
 * @param cacheDir     where migrated baselines are kept between runs, or null for no cache
 */
public record VerifyConfig(Path configFile, String iniSection, List<String> alembicCommand, String from, String to,
                           List<TableRef> busyTables, PostgresChoice postgres, String image, String pgVersion,
                           String urlVariable, Duration revisionTimeout, long pollIntervalMicros, String versionTable,
                           String serverUrl, boolean processPerRevision, TrafficSettings traffic,
                           Path cacheDir) {

    public VerifyConfig {
        alembicCommand = List.copyOf(alembicCommand);
        busyTables = List.copyOf(busyTables);
    }
}
