package dev.lockwatch.rules;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.RevisionRun;
import java.util.List;

/** The rules lockwatch applies, in report order. */
public final class RuleSet {
    private final List<Rule> rules;

    public RuleSet(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static RuleSet defaults() {
        return new RuleSet(List.of(new MigrationFailedRule(), new NonConcurrentIndexRule()));
    }

    public List<Rule> rules() {
        return rules;
    }

    public List<Finding> check(RevisionRun run) {
        return TrafficImpact.annotate(run, rules.stream().flatMap(rule -> rule.check(run).stream()).toList());
    }
}
