package dev.lockwatch.model;

import java.util.Objects;

/**
 * A kind of finding by its name, e.g. {@code non-concurrent-index}: what reports, suppressions and the command
 * line call it (part of the JSON contract). {@link #toString()} is the name.
 */
public record RuleId(String name) {

    public RuleId {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return name;
    }
}
