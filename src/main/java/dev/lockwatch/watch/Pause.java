package dev.lockwatch.watch;

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

    /** DDL start and end, table rewrite, end of a DML statement, write to alembic's version table. */
    public enum Event { START, END, REWRITE, DML, VERSION }

    public static Optional<Pause> parse(String applicationName) {
        if (applicationName == null || !applicationName.startsWith("lw|")) {
            return Optional.empty();
        }
        String[] f = applicationName.split("\\|", 8);
        if (f.length < 8) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Pause(Long.parseLong(f[1]), Event.valueOf(f[2].toUpperCase(java.util.Locale.ROOT)),
                    number(f[3]), number(f[4]), number(f[5]), f[6], f[7]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
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

    private static long number(String field) {
        return field.isEmpty() ? -1 : Long.parseLong(field);
    }
}
