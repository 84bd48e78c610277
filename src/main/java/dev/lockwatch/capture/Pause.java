package dev.lockwatch.capture;

import java.util.Optional;

/**
 * What a paused migration session published in its application_name at a lockwatch gate:
 * {@code lw|seq|event|lock_timeout_ms|elapsed_us|oid|extra|tag}.
 *
 * @param elapsedUs  for {@code end}: how long the statement ran, pauses excluded; else -1
 * @param targetOid  the table the command acted on ({@code end}, {@code dml}) or rewrote ({@code rewrite}); else -1
 * @param extra      for {@code rewrite}: the reason; for {@code start} and {@code version}: the tables, by oid and
 *                   comma-separated, whose existing indexes the transaction has rebuilt; for {@code dml}: the rows
 *                   the statement changed in the table
 */
public record Pause(long seq, Event event, long lockTimeoutMs, long elapsedUs, long targetOid, String extra, String tag) {

    /**
     * DDL start and end, table rewrite, end of a DML statement, write to alembic's version table; and, without
     * event triggers, after any statement, as the driver read it in the statement's own session
     * ({@link GateProtocol#afterStatementSql()}).
     */
    public enum Event { START, END, REWRITE, DML, VERSION, AFTER }

    /** A tag as {@link GateProtocol} defines it. */
    public static Optional<Pause> parse(String applicationName) {
        return GateProtocol.parseTag(applicationName);
    }

    /** The gate the session waits at: capture.sql alternates between gates 1 and 2 by sequence number. */
    public int gate() {
        return (int) (1 + seq % 2);
    }

    /** The tables whose indexes the transaction rebuilt, as published at a start or version gate. */
    public java.util.Set<Long> rebuiltTables() {
        if (event == Event.REWRITE || event == Event.DML || extra.isEmpty()) {
            return java.util.Set.of();
        }
        return java.util.Arrays.stream(extra.split(",")).map(Long::parseLong).collect(java.util.stream.Collectors.toSet());
    }

    /** For {@code dml}: the rows the statement inserted, updated or deleted in the table, when the gate told. */
    public java.util.OptionalLong rowsChanged() {
        return event == Event.DML && extra.matches("\\d+") ? java.util.OptionalLong.of(Long.parseLong(extra))
                : java.util.OptionalLong.empty();
    }
}
