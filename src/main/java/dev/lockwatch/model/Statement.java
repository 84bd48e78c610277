package dev.lockwatch.model;

import java.util.List;

/**
 * One SQL statement a revision ran, with what it locked.
 *
 * @param tag           the command tag, e.g. {@code CREATE INDEX}
 * @param lockTimeoutMs {@code lock_timeout} in effect in the migration's session; null when not observed
 * @param target        the table a DDL command acted on, when the server told
 * @param rewrite       the server rewrote {@link #target} (a {@code table_rewrite} event)
 * @param transaction   which transaction of the revision it ran in, numbered from 1 in order; statements of
 *                      one transaction share its locks until it ends
 * @param source        the revision-file line that issued it, when alembic's Python told (see
 *                      {@code sitecustomize.py}); null otherwise
 * @param rowsChanged   rows an INSERT, UPDATE or DELETE changed, as its session's transaction counters told at its
 *                      gate; empty for other statements or when not observed
 */
public record Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                        TableRef target, boolean rewrite, int transaction, SourceLocation source,
                        java.util.OptionalLong rowsChanged) {

    public Statement {
        locks = List.copyOf(locks);
    }

    public Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                     TableRef target, boolean rewrite, int transaction, SourceLocation source) {
        this(sql, tag, durationMs, lockTimeoutMs, locks, target, rewrite, transaction, source,
                java.util.OptionalLong.empty());
    }

    public Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                     TableRef target, boolean rewrite, int transaction) {
        this(sql, tag, durationMs, lockTimeoutMs, locks, target, rewrite, transaction, null);
    }

    public Statement withLocks(List<ObservedLock> otherLocks) {
        return new Statement(sql, tag, durationMs, lockTimeoutMs, otherLocks, target, rewrite, transaction, source,
                rowsChanged);
    }
}
