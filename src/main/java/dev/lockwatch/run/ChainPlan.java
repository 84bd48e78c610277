package dev.lockwatch.run;

import dev.lockwatch.alembic.AlembicIni;
import dev.lockwatch.alembic.RevisionGraph;
import dev.lockwatch.alembic.ScriptDirectoryReader;
import dev.lockwatch.config.VerifyConfig;
import dev.lockwatch.git.GitHistory;
import dev.lockwatch.model.GitSelection;
import dev.lockwatch.model.ChainSummary;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.Revision;
import dev.lockwatch.model.RevisionChange;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a run verifies: the baseline (the revisions {@code alembic upgrade} applies first, one invocation each;
 * none for base) and the revisions above it, in the order they are stepped. Without {@code --to}, that is
 * everything up to every head: several heads are a finding (multiple-heads), not a reason to verify nothing.
 *
 * @param targets the revisions verified up to: {@code --to}, or every head
 * @param git     how {@code --git-base} chose the revisions, or null when {@code --from}/{@code --to} did
 */
public record ChainPlan(AlembicIni ini, RevisionGraph graph, List<String> baseline, List<String> targets,
                        List<Revision> revisions, GitSelection git, ChainSummary summary) {

    public ChainPlan {
        baseline = List.copyOf(baseline);
        targets = List.copyOf(targets);
        revisions = List.copyOf(revisions);
    }

    /** @param alembic reads the graph of {@code ini}'s script directory */
    public static ChainPlan of(VerifyConfig config, AlembicIni ini, ScriptDirectoryReader alembic) {
        RevisionGraph graph = new RevisionGraph(alembic.revisions());
        if (graph.size() == 0) {
            throw LockwatchException.usage("no revision files under " + ini.versionLocations().get(0)
                    + ": nothing to verify");
        }
        if (config.gitBase() != null) {
            return sinceGitBase(config.gitBase(), ini, graph, alembic);
        }
        String from = graph.resolve(config.from(), "--from");
        List<String> heads = graph.heads();
        List<String> targets = config.to() == null || config.to().equals("heads") ? heads
                : List.of(graph.resolve(config.to(), "--to"));
        if (from != null && targets.stream().noneMatch(to -> graph.ancestorsInclusive(to).contains(from))) {
            throw LockwatchException.usage("--from " + from + " is not an ancestor of --to " + String.join(", ", targets)
                    + ": the baseline must lie below the revisions to verify");
        }
        return new ChainPlan(ini, graph, from == null ? List.of() : List.of(from), targets, graph.between(from, targets),
                null, new ChainSummary(heads, config.to() != null));
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
            boolean onTheWay = targets.stream().anyMatch(to -> graph.ancestorsInclusive(to).contains(id)
                    || graph.ancestorsInclusive(id).contains(to));
            if (!onTheWay) {
                throw LockwatchException.usage("the dump " + dump + " is at revision " + id + ", which is not on the way"
                        + " to " + String.join(", ", targets) + ": pass a --to above it");
            }
        }
        return new ChainPlan(ini, graph, applied, targets, graph.above(applied, targets), git, summary);
    }

    /** Verified: the revision files the branch added; baseline: every other revision, applied first. */
    private static ChainPlan sinceGitBase(String ref, AlembicIni ini, RevisionGraph graph, ScriptDirectoryReader alembic) {
        String option = "--git-base " + ref;
        Map<Path, String> byFile = new HashMap<>();
        graph.all().forEach(r -> byFile.put(GitHistory.real(r.file()), r.id()));
        GitHistory.RevisionIds ids = new GitHistory.RevisionIds() {
            @Override
            public Optional<String> of(Path file) {
                return Optional.ofNullable(byFile.get(GitHistory.real(file)));
            }

            @Override
            public Map<Path, String> ofDeleted(Collection<Path> saved) {
                return alembic.deletedRevisions(saved);
            }
        };
        GitSelection git = GitHistory.of(ini.folder(), option).changesSince(ref, ini.versionLocations(), option, ids);
        Set<String> added = git.changes(RevisionChange.Kind.ADDED).stream().map(RevisionChange::revision)
                .filter(id -> graph.get(id) != null).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> baseline = new HashSet<>();
        graph.all().forEach(r -> baseline.add(r.id()));
        baseline.removeAll(added);
        for (String id : baseline) {
            Set<String> needs = graph.ancestorsInclusive(id);
            needs.retainAll(added);
            if (!needs.isEmpty()) {
                throw LockwatchException.usage(option + ": revision " + id + " exists on " + ref + " but now builds on "
                        + String.join(", ", needs) + ", which this branch adds: new revisions go on top of the "
                        + "existing ones; point the new revision's down_revision at the current head instead");
            }
        }
        List<String> heads = graph.heads();
        return new ChainPlan(ini, graph, graph.tips(baseline), heads, graph.ordered(added), git,
                new ChainSummary(heads, false));
    }

    /** The baseline as reports name it: base, or the revisions upgraded to. */
    public String baselineLabel() {
        return baseline.isEmpty() ? RevisionGraph.BASE : String.join(", ", baseline);
    }

    /** What the baseline applies: the revisions already in the database when the first verified one runs. */
    public Set<String> baselineRevisions() {
        Set<String> applied = new HashSet<>();
        baseline.forEach(tip -> applied.addAll(graph.ancestorsInclusive(tip)));
        return applied;
    }
}
