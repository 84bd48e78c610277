package dev.lockwatch.config;

import dev.lockwatch.model.TableRef;
import java.util.List;

/**
 * A config-level suppression: {@code allow = [{ rule = "...", table = "...", revision = "...", reason = "..." }]}
 * in {@code [tool.lockwatch]}. Findings of one of {@link #rules} on {@link #table} and/or in {@link #revision}
 * are suppressed with {@link #reason}.
 *
 * @param table    null: any table
 * @param revision null: any revision
 * @param origin   where it was written, e.g. {@code pyproject.toml [tool.lockwatch] allow[0]}
 */
public record Allowance(List<String> rules, TableRef table, String revision, String reason, String origin,
                        java.nio.file.Path file) {

    public Allowance {
        rules = List.copyOf(rules);
    }
}
