package dev.lockwatch.model;

import java.util.List;
import java.util.Map;

/**
 * How the baseline was made production-like; each part is null when its option was not used.
 *
 * @param restore    {@code --restore}: the dump and the revisions it was at
 * @param seed       {@code --seed-rows}: the rows lockwatch added
 * @param tableStats {@code --table-stats}: production's statistics and the busy tables they name
 */
public record BaselineData(Restore restore, Seed seed, TableStatsUse tableStats) {

    public static BaselineData none() {
        return new BaselineData(null, null, null);
    }

    public record Restore(String file, String format, List<String> alembicVersion) {
        public Restore {
            alembicVersion = List.copyOf(alembicVersion);
        }
    }

    /** @param skipped why a busy table got no rows */
    public record Seed(long rowsPerTable, Map<TableRef, Long> filled, Map<TableRef, String> skipped) {
        public Seed {
            filled = Map.copyOf(filled);
            skipped = Map.copyOf(skipped);
        }
    }

    /** @param busy the tables the thresholds made busy, sorted */
    public record TableStatsUse(String file, int tables, long busyMinWrites, long busyMinRows, List<TableRef> busy) {
        public TableStatsUse {
            busy = List.copyOf(busy);
        }
    }
}
