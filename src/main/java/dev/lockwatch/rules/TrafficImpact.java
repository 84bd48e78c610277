package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.TableTraffic;
import java.util.List;
import java.util.Optional;

/**
 * Adds what the synthetic workload measured to the findings about a table ("writes to public.orders stalled
 * 2.4 s"). It changes no verdict: no finding appears, disappears or changes severity because traffic ran.
 */
final class TrafficImpact {
    private TrafficImpact() {
    }

    static List<Finding> annotate(RevisionRun run, List<Finding> findings) {
        if (run.traffic() == null) {
            return findings;
        }
        return findings.stream().map(f -> measured(run, f).map(impact -> f.withMessage(f.message() + ". " + impact))
                .orElse(f)).toList();
    }

    private static Optional<String> measured(RevisionRun run, Finding finding) {
        return run.traffic().tables().stream()
                .filter(t -> finding.table().filter(t.table()::equals).isPresent() && t.stalled() > 0)
                .findFirst()
                .map(t -> impact(t, run.traffic().stallThresholdMs()));
    }

    private static String impact(TableTraffic traffic, long thresholdMs) {
        return String.format("Measured with --traffic: requests to %s stalled up to %.1f s; %d of %d waited longer than %d ms",
                traffic.table(), traffic.longestStallMs() / 1000.0, traffic.stalled(), traffic.requests(), thresholdMs);
    }
}
