package dev.lockwatch.config;

import dev.lockwatch.model.Severity;
import java.util.Optional;

/** What {@code --rule NAME=LEVEL} sets a rule to: a severity, or off. */
public enum RuleLevel {
    ERROR, WARNING, INFO, OFF;

    /** Empty for OFF: the rule does not run. */
    public Optional<Severity> severity() {
        return this == OFF ? Optional.empty() : Optional.of(Severity.valueOf(name()));
    }
}
