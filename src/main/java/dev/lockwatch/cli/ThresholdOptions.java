package dev.lockwatch.cli;

import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.rules.LockTimeBudgetRule;
import dev.lockwatch.rules.RuleSet;
import dev.lockwatch.rules.UnbatchedDataChangeRule;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The limits some rules judge against: how many rows one statement may change, how long a revision may block. */
final class ThresholdOptions {
    @Option(names = "--max-lock-time", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
            description = "with --table-stats, the longest a revision may block writes to busy tables in production, "
                    + "as estimated: above it, lock-time-budget is an error (default: ${DEFAULT-VALUE})")
    Duration maxLockTime;

    @Option(names = "--max-rows-per-statement", paramLabel = "N", defaultValue = "10000",
            description = "an UPDATE or DELETE changing more rows of a busy table in one statement (scaled to "
                    + "production with --table-stats) is an unbatched-data-change (default: ${DEFAULT-VALUE})")
    long maxRowsPerStatement;

    /** The default rules with these limits in place of the rules' own defaults. */
    RuleSet rules() {
        if (maxRowsPerStatement < 1) {
            throw LockwatchException.usage("--max-rows-per-statement takes a number of rows of 1 or more, not "
                    + maxRowsPerStatement);
        }
        if (maxLockTime.isZero()) {
            throw LockwatchException.usage("--max-lock-time must be longer than 0, e.g. 5s");
        }
        return RuleSet.defaults().with(new LockTimeBudgetRule(maxLockTime))
                .with(new UnbatchedDataChangeRule(maxRowsPerStatement));
    }
}
