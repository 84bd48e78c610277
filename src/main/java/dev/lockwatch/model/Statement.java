package dev.lockwatch.model;

import java.util.List;

/**
 * One SQL statement a revision ran, with what it locked.
 *
 * @param tag           the command tag, e.g. {@code CREATE INDEX}
 * @param lockTimeoutMs {@code lock_timeout} in effect in the migration's session; null when not observed
 * @param target        the table a DDL command acted on, when the server told
 * @param rewrite       the server rewrote {@link #target} (a {@code table_rewrite} event)
 * @param source        the revision-file line that issued it, when alembic's Python told (see
 *                      {@code sitecustomize.py}); null otherwise
 */
public record Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                        TableRef target, boolean rewrite, SourceLocation source) {

    public Statement {
        locks = List.copyOf(locks);
    }

    public Statement withLocks(List<ObservedLock> otherLocks) {
        return new Statement(sql, tag, durationMs, lockTimeoutMs, otherLocks, target, rewrite, source);
    }

    public Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                     TableRef target, boolean rewrite) {
        this(sql, tag, durationMs, lockTimeoutMs, locks, target, rewrite, null);
    }
}
