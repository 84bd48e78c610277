package dev.lockwatch.rules;

import dev.lockwatch.config.RuleLevel;
import dev.lockwatch.model.ChainSummary;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Severity;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The rules lockwatch applies, in report order, each at its configured severity. */
public final class RuleSet {
    private final List<Rule> rules;
    private final Map<String, Severity> severities;

    private RuleSet(List<Rule> rules, Map<String, Severity> severities) {
        this.rules = List.copyOf(rules);
        this.severities = Map.copyOf(severities);
    }

    public RuleSet(List<Rule> rules) {
        this(rules, Map.of());
    }

    public static RuleSet defaults() {
        return new RuleSet(List.of(new MigrationFailedRule(), new MultipleHeadsRule(), new NonConcurrentIndexRule(),
                new TableRewriteRule(), new ConstraintValidationRule(), new BackwardIncompatibleRule(),
                new InvalidIndexRule(), new DowngradeFailedRule(), new MissingLockTimeoutRule(),
                new LockHeldAcrossStatementsRule(), new ForeignKeyWithoutIndexRule(), new DowngradeIncompleteRule(),
                // issue 16: the checks other migration linters have
                new NonConcurrentIndexDropRule(), new TableTruncateRule(), new NonConcurrentMatviewRefreshRule(),
                new NonConcurrentPartitionDetachRule(), new PartitionAttachScanRule(), new DomainConstraintScanRule(),
                new EnumValueInTransactionRule(), new UnbatchedDataChangeRule(), new LockTimeBudgetRule(),
                new RetryUnsafeRule(),
                // issue 15: the deploy as it runs, and its round trip
                new DowngradeOneWayRule(), new DeployFailsTogetherRule(), new LockHeldAcrossRevisionsRule()));
    }

    /**
     * The same rules with the user's levels ({@code --rule NAME=LEVEL}): a severity replaces the rule's default,
     * OFF drops the rule. A name no rule has is a usage error that lists the names there are.
     */
    public RuleSet configured(Map<String, RuleLevel> levels) {
        List<String> known = rules.stream().map(Rule::name).toList();
        Map<String, Severity> configured = new HashMap<>(severities);
        for (Map.Entry<String, RuleLevel> level : levels.entrySet()) {
            if (!known.contains(level.getKey())) {
                throw LockwatchException.usage("--rule " + level.getKey() + ": no such rule; the rules are "
                        + String.join(", ", known.stream().sorted().toList()));
            }
            level.getValue().severity().ifPresent(s -> configured.put(level.getKey(), s));
        }
        List<Rule> enabled = rules.stream().filter(r -> levels.get(r.name()) != RuleLevel.OFF).toList();
        return new RuleSet(enabled, configured);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** The same rules with {@code replacement} in place of the rule of its name (one with the user's parameters). */
    public RuleSet with(Rule replacement) {
        return new RuleSet(rules.stream().map(r -> r.name().equals(replacement.name()) ? replacement : r).toList(),
                severities);
    }

    /** The rule of this kind, unless the user turned it off. */
    public <R extends Rule> java.util.Optional<R> enabled(Class<R> kind) {
        return rules.stream().filter(kind::isInstance).map(kind::cast).findFirst();
    }

    /** Findings a rule made outside {@link Rule#check} (from an experiment, as retry-unsafe's), at its level. */
    public List<Finding> configured(Rule rule, List<Finding> findings) {
        return apply(r -> r == rule ? findings : List.of());
    }

    public List<Finding> check(RevisionRun run) {
        return TrafficImpact.annotate(run, apply(rule -> rule.check(run)));
    }

    public List<Finding> checkChain(ChainSummary chain) {
        return apply(rule -> rule.checkChain(chain));
    }

    private List<Finding> apply(Function<Rule, List<Finding>> check) {
        return rules.stream().flatMap(rule -> check.apply(rule).stream()
                .map(f -> severities.containsKey(rule.name()) ? f.withSeverity(severities.get(rule.name())) : f)).toList();
    }
}
