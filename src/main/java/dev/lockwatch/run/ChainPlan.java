package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicIni;
import dev.lockwatch.alembic.RevisionGraph;
import dev.lockwatch.alembic.RevisionScanner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.ChainSummary;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import java.util.List;
import java.util.Set;

/**
 * What a run verifies: the baseline ({@code null} for base) and the revisions above it, in the order they
 * are stepped. Without {@code --to}, that is everything up to every head: several heads are a finding
 * (multiple-heads), not a reason to verify nothing.
 */
public record ChainPlan(AlembicIni ini, RevisionGraph graph, String baseline, List<Revision> revisions,
                        ChainSummary summary) {

    public ChainPlan {
        revisions = List.copyOf(revisions);
    }

    public static ChainPlan of(VerifyConfig config) {
        AlembicIni ini = AlembicIni.read(config.configFile(), config.iniSection());
        RevisionGraph graph = new RevisionGraph(RevisionScanner.scan(ini));
        if (graph.size() == 0) {
            throw LockwatchException.usage("no revision files under " + ini.versionLocations().get(0)
                    + ": nothing to verify");
        }
        String from = graph.resolve(config.from(), "--from");
        List<String> heads = graph.heads();
        List<String> targets = config.to() == null || config.to().equals("heads") ? heads
                : List.of(graph.resolve(config.to(), "--to"));
        if (from != null && targets.stream().noneMatch(to -> graph.ancestorsInclusive(to).contains(from))) {
            throw LockwatchException.usage("--from " + from + " is not an ancestor of --to " + String.join(", ", targets)
                    + ": the baseline must lie below the revisions to verify");
        }
        return new ChainPlan(ini, graph, from, graph.between(from, targets), new ChainSummary(heads, config.to() != null));
    }

    /** The baseline as reports name it. */
    public String baselineLabel() {
        return baseline == null ? RevisionGraph.BASE : baseline;
    }

    /** What the baseline applies: the revisions already in the database when the first verified one runs. */
    public Set<String> baselineRevisions() {
        return graph.ancestorsInclusive(baseline);
    }
}
