package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicIni;
import dev.lockwatch.alembic.RevisionGraph;
import dev.lockwatch.alembic.RevisionScanner;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import java.util.List;

/**
 * What a run verifies: the baseline ({@code null} for base) and the revisions above it, in the order they
 * are stepped.
 */
public record ChainPlan(AlembicIni ini, RevisionGraph graph, String baseline, String to, List<Revision> revisions) {

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
        String to = graph.resolve(config.to(), "--to");
        if (from != null && !graph.ancestorsInclusive(to).contains(from)) {
            throw LockwatchException.usage("--from " + from + " is not an ancestor of --to " + to
                    + ": the baseline must lie below the revisions to verify");
        }
        return new ChainPlan(ini, graph, from, to, graph.between(from, to));
    }

    /**
     * The plan above a restored database's revisions (its version table's rows) instead of --from: nothing when
     * the dump is at --to or past it.
     */
    public ChainPlan above(List<String> applied, String dump) {
        for (String id : applied) {
            if (!graph.contains(id)) {
                throw LockwatchException.usage("the dump " + dump + " is at revision " + id + ", which no revision file of "
                        + "this project declares: is the dump from this project, and is the checkout as new as the dump?");
            }
            if (!graph.ancestorsInclusive(to).contains(id) && !graph.ancestorsInclusive(id).contains(to)) {
                throw LockwatchException.usage("the dump " + dump + " is at revision " + id + ", which is not on the way"
                        + " to --to " + to + ": pass a --to above it");
            }
        }
        return new ChainPlan(ini, graph, applied.isEmpty() ? null : String.join(",", applied), to,
                graph.above(applied, to));
    }

    /** The baseline as reports name it. */
    public String baselineLabel() {
        return baseline == null ? RevisionGraph.BASE : baseline;
    }
}
