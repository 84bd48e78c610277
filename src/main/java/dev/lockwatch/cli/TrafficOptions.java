package dev.lockwatch.cli;

import dev.lockwatch.config.TrafficSettings;
import dev.lockwatch.model.LockwatchException;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The synthetic workload that runs beside each revision. */
final class TrafficOptions {
    @Option(names = "--traffic",
            description = "during each revision, run a steady read/insert/update workload on every busy table and "
                    + "report how long requests stalled and which statements they waited on")
    boolean traffic;

    @Option(names = "--traffic-rate", paramLabel = "N", defaultValue = "20",
            description = "requests per second per table and kind (read, insert, update) with --traffic "
                    + "(default: ${DEFAULT-VALUE})")
    int trafficRate;

    @Option(names = "--stall-threshold", paramLabel = "DURATION", defaultValue = "100ms",
            converter = DurationConverter.class,
            description = "a request slower than this counts as stalled (default: ${DEFAULT-VALUE})")
    Duration stallThreshold;

    @Option(names = "--long-transaction", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "with each revision, hold an ordinary open transaction on the busy tables for this long "
                    + "(e.g. 5s), the way a slow report query does; implies --traffic")
    Duration longTransaction;

    /** The workload's settings, or null without --traffic or --long-transaction. */
    TrafficSettings settings(Duration revisionTimeout) {
        if (!traffic && longTransaction == null) {
            return null;
        }
        if (trafficRate <= 0 || trafficRate > 1000) {
            throw LockwatchException.usage("--traffic-rate must be between 1 and 1000 requests per second, not " + trafficRate);
        }
        return new TrafficSettings(trafficRate, stallThreshold, longTransaction == null ? Duration.ZERO : longTransaction,
                revisionTimeout);
    }
}
