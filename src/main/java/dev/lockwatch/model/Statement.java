package dev.lockwatch.model;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

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
 * @param effects       what it did to the server's objects, by oid ({@link StatementEffects#UNKNOWN} when no gate
 *                      reported it)
 * @param rowsChanged   rows an INSERT, UPDATE or DELETE changed, as its session's transaction counters told at its
 *                      gate; empty for other statements or when not observed
 */
public record Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                        TableRef target, boolean rewrite, int transaction, SourceLocation source,
                        StatementEffects effects, OptionalLong rowsChanged) {

    public Statement {
        locks = List.copyOf(locks);
        effects = effects == null ? StatementEffects.UNKNOWN : effects;
        rowsChanged = rowsChanged == null ? OptionalLong.empty() : rowsChanged;
    }

    public Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                     TableRef target, boolean rewrite, int transaction, SourceLocation source, StatementEffects effects) {
        this(sql, tag, durationMs, lockTimeoutMs, locks, target, rewrite, transaction, source, effects,
                OptionalLong.empty());
    }

    public Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                     TableRef target, boolean rewrite, int transaction, SourceLocation source, OptionalLong rowsChanged) {
        this(sql, tag, durationMs, lockTimeoutMs, locks, target, rewrite, transaction, source, StatementEffects.UNKNOWN,
                rowsChanged);
    }

    public Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                     TableRef target, boolean rewrite, int transaction, SourceLocation source) {
        this(sql, tag, durationMs, lockTimeoutMs, locks, target, rewrite, transaction, source, StatementEffects.UNKNOWN,
                OptionalLong.empty());
    }

    public Statement(String sql, String tag, long durationMs, Long lockTimeoutMs, List<ObservedLock> locks,
                     TableRef target, boolean rewrite, int transaction) {
        this(sql, tag, durationMs, lockTimeoutMs, locks, target, rewrite, transaction, null);
    }

    /**
     * The lock the statement queued for and never got: it ended still waiting (a lock_timeout, or a revision that
     * ran out of --revision-timeout).
     */
    public Optional<ObservedLock> awaited() {
        return locks.stream().filter(l -> !l.granted() && !l.inferred()).findFirst();
    }

    public Statement withLocks(List<ObservedLock> otherLocks) {
        return new Statement(sql, tag, durationMs, lockTimeoutMs, otherLocks, target, rewrite, transaction, source, effects,
                rowsChanged);
    }
}
