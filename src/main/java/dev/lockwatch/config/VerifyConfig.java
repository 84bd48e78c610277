package dev.lockwatch.config;

import dev.lockwatch.model.TableRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one verify run needs, resolved from the command line and the config file ({@link Settings}).
 *
 * @param busyTables   when empty, every table that exists once the baseline is applied is busy
 * @param urlVariable  the environment variable an env.py may read the database URL from
 * @param versionTable alembic's version table name
 * @param serverUrl    an existing server to create the scratch database on, or null to start one
 * @param data         how the baseline is made production-like
 * @param gitBase      {@code --git-base}: verify the revision files added since the merge-base with this ref,
 *                     or null to use {@link #from}/{@link #to}
 * @param allowances   config-level suppressions
 * @param processPerRevision run each alembic command in its own process instead of one shared interpreter
 * @param traffic      the synthetic workload to run during each revision, or null for none
 * @param cacheDir     where migrated baselines are kept between runs, or null for no cache
 * @param to           the revision to verify up to, or null for every head
 * @param ruleLevels   severities the user set per rule name ({@code --rule}); rules not named keep their default
 * @param downgradeCheck round-trip each verified revision through its downgrade
 * @param deploy       what a deploy is for this run: the one place that says how revisions are upgraded and which
 *                     tables are busy for them
 */
public record VerifyConfig(Path configFile, String iniSection, List<String> alembicCommand, String from, String to,
                           List<TableRef> busyTables, PostgresChoice postgres, String image, String pgVersion,
                           String urlVariable, Duration revisionTimeout, long pollIntervalMicros, String versionTable,
                           String serverUrl, DataOptions data, String gitBase, List<Allowance> allowances,
                           boolean processPerRevision, TrafficSettings traffic, Path cacheDir,
                           java.util.Map<String, RuleLevel> ruleLevels, boolean downgradeCheck, Deploy deploy) {

    public VerifyConfig {
        alembicCommand = List.copyOf(alembicCommand);
        busyTables = List.copyOf(busyTables);
        allowances = List.copyOf(allowances);
        ruleLevels = java.util.Map.copyOf(ruleLevels);
    }

    /** How the verified revisions reach production, as the brief defines it. */
    public enum Deploy {
        /** No --from, --git-base or dump: each revision shipped as its own deploy; the tables before it are busy. */
        EACH_REVISION,
        /** The pending revisions are one deploy, one {@code alembic upgrade}; the tables at the baseline are busy. */
        TOGETHER,
        /** --step: still one deploy (the tables at the baseline are busy), each revision upgraded alone to isolate it. */
        STEPPED;

        /**
         * @param baselineGiven --from, --git-base or a dump set the baseline: the pending revisions are one deploy
         * @param step          --step
         */
        public static Deploy of(boolean baselineGiven, boolean step) {
            return !baselineGiven ? EACH_REVISION : step ? STEPPED : TOGETHER;
        }

        /** The pending revisions run as one {@code alembic upgrade}. */
        public boolean oneUpgrade() {
            return this == TOGETHER;
        }

        /** The tables that exist before each revision are busy for it (else those at the baseline). */
        public boolean busyPerRevision() {
            return this == EACH_REVISION;
        }
    }
}
