package dev.lockwatch.model;

/**
 * Why a finding does not count: a reviewed decision, with its reason.
 *
 * @param reason   what the user wrote after {@code reason:}
 * @param origin   where the decision was written, e.g. {@code migrations/versions/b2e4.py:14} or
 *                 {@code pyproject.toml [tool.lockwatch] allow[0]}
 * @param inSource a comment in the revision file, rather than a config allowance
 */
public record Suppression(String reason, String origin, boolean inSource) {
}
