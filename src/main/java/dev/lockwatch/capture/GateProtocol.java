package dev.lockwatch.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.lockwatch.model.LockMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * The one definition of what a paused migration session tells lockwatch at a gate (capture.sql's
 * {@code lockwatch.pause}), on both channels:
 *
 * <ul>
 * <li>in-band, when the driver set {@code lockwatch.report = notice}: a NOTICE {@value #NOTICE_PREFIX}{@code {json}}
 *     whose fields are {@link NoticeField}, the tag among them, the statement's effects too;</li>
 * <li>waiting at the gate otherwise: the tag in {@code application_name}, which holds {@value #APPLICATION_NAME_BYTES}
 *     bytes. A gate whose tag and effects do not fit sends them base64-encoded in chunks, one pause each
 *     ({@code lw|seq|part|...}, the last one {@code lw|seq|last|...}), so nothing is clipped.</li>
 * </ul>
 *
 * The SQL that builds both comes from here ({@link #sqlFragments()}, substituted into capture.sql), and the same
 * class parses them, so the two sides cannot drift; GateProtocolTest runs the real SQL against both.
 *
 * <p>Without event triggers (best-effort capture) no gate pauses a statement; the alembic driver then runs
 * {@link #afterStatementSql()} in the migration's own session after each statement and reports the same fields
 * in-band, at an {@code after} gate: a session sees its own transaction's locks deterministically, where polling
 * from outside can miss a short statement.
 */
public final class GateProtocol {
    /** What precedes the JSON in a gate's NOTICE; the driver (lockwatch_driver.py's _GateNotices) looks for it too. */
    public static final String NOTICE_PREFIX = "lockwatch-gate ";
    /** NAMEDATALEN - 1: application_name longer than this is cut by the server. */
    public static final int APPLICATION_NAME_BYTES = 63;
    private static final String TAG_PREFIX = "lw|";
    /** base64 characters per chunk: {@code lw|} + seq + {@code |part|} + chunk stays within 63 bytes up to seq 10^9. */
    static final int CHUNK_CHARS = 44;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the alembic driver puts before each statement a session sends while it reports its gates in-band
     * (lockwatch_driver.py's _MessageTag): the session's count of query messages and, for a message of one statement,
     * its first keyword, as a comment: {@code lockwatch-msg 17 CREATE}. A gate reads it (capture.sql's
     * lockwatch.quiet) to know that nothing ran since the session's previous gate. A regular expression PostgreSQL and
     * Java read alike: group 1 the count, group 2 the keyword, absent for several statements.
     */
    public static final String MESSAGE_TAG = "/\\* lockwatch-msg ([0-9]+) (?:([A-Z]+) )?\\*/ ";
    /** The longest tag a gate looks for: the count up to 10^12, a keyword of 16 letters. */
    static final int MESSAGE_TAG_CHARS = 48;

    private GateProtocol() {
    }

    /**
     * The commands whose new table a DDL statement's end gate gives its DML gates at once (capture.sql's on_ddl_end),
     * before it reports the command: a later statement of the same transaction may fill that table.
     */
    public static final Set<String> GATED_AT_CREATION = Set.of("CREATE TABLE", "CREATE TABLE AS", "SELECT INTO");

    /**
     * What a step's outcome depends on most in a session, which a flight of the alembic driver (lockwatch_driver.py's
     * _Flight) checks is unchanged after each request before the next one runs in the same session: its user, its
     * search_path and timeouts, its replication role and default tablespace. The driver gets this expression with
     * its environment, and a version-table write reports it ({@link NoticeField#SESSION}), read by the trigger (the
     * gate itself runs with the timeouts off).
     */
    public static final String SESSION_STATE = "array[current_user, session_user, current_setting('search_path'),"
            + " current_setting('statement_timeout'), current_setting('lock_timeout'),"
            + " current_setting('session_replication_role'), current_setting('default_tablespace')]::text[]";

    /** The relkinds a verdict can be about: tables, partitioned tables, materialized views, foreign tables. */
    private static final String TABLE_KINDS = "('r', 'p', 'm', 'f')";

    /**
     * The pg_locks rows ({@code l}) worth reading: relation locks on user tables, or on relations the reading session
     * no longer sees (a table dropped in the migration's transaction). Indexes, sequences, TOAST and the system catalogs
     * never name a table a verdict is about, and in one long transaction they are most of what a session holds: left
     * out where the locks are read, each gate and poll carries the tables alone. NOT IN, as the planner hashes it:
     * one pass over pg_class costs less than looking up each of the thousands of locks a long deploy holds.
     */
    public static final String TABLE_LOCK = "l.locktype = 'relation' and l.relation >= 16384 and " + tableRelation("l.relation");

    /**
     * The relation {@code oid} is a user table or one the reader cannot see: the part of {@link #TABLE_LOCK} a gate
     * applies to the relation locks it has already read.
     */
    static String tableRelation(String oid) {
        return oid + " not in (select lc.oid from pg_catalog.pg_class lc where lc.relkind not in " + TABLE_KINDS + ")";
    }

    /**
     * {@link #tableRelation} for a few relations (the locks a gate adds to its last report): each looked up alone,
     * not a pass over pg_class.
     */
    static String tableRelationLookedUp(String oid) {
        return "coalesce((select lc.relkind in " + TABLE_KINDS + " from pg_catalog.pg_class lc where lc.oid = " + oid
                + "), true)";
    }

    /** The fields of a gate's NOTICE, in order, with the plpgsql expression (inside lockwatch.pause) that fills each. */
    public enum NoticeField {
        TIME("time", "paused_at"),
        PID("pid", "pg_backend_pid()"),
        PAUSE("pause", "tag"),
        /**
         * The statement's text, no longer than pg_stat_activity would show it (the reader cuts it to the byte); null
         * when an earlier report of the session sent it ({@link #QUERY_TOLD}).
         */
        QUERY("query", "case when query_told then null else "
                + "left(current_query(), pg_size_bytes(current_setting('track_activity_query_size'))::int) end"),
        /**
         * True when the session's last report that sent a text was of the same query message (the same
         * {@link #QUERY_START}): each gate of a statement would send its text again, and a script of many statements
         * run at once (a schema dump in one op.execute) is the text of each of its statements' gates.
         */
        QUERY_TOLD("query_told", "query_told"),
        QUERY_START("query_start", "(extract(epoch from statement_timestamp()) * 1000000)::bigint"),
        XACT_START("xact_start", "(extract(epoch from transaction_timestamp()) * 1000000)::bigint"),
        /** [[relation oid, pg_locks mode, granted], ...] */
        LOCKS("locks", "held"),
        /**
         * True when the session's relation locks are those of a report it sent before, the one with the same
         * {@link #LOCKS_FINGERPRINT} ({@link #LOCKS} is then null).
         */
        LOCKS_UNCHANGED("locks_unchanged", "unchanged"),
        /**
         * The transaction and a count and hash of the session's relation locks. Named by the report, not by "the
         * last one": a rolled-back savepoint takes the session's memory of what it told back with it, and its
         * locks, so an unchanged report can name one from before the savepoint.
         */
        LOCKS_FINGERPRINT("locks_fingerprint", "fingerprint"),
        /**
         * The {@link #LOCKS_FINGERPRINT} of the session's earlier report whose locks {@link #LOCKS} adds to: in one
         * transaction locks are only taken (a rolled-back savepoint excepted, and then this is null), so a report sends
         * those taken since its transaction's last report, not the thousand a long deploy holds. Null when
         * {@link #LOCKS} are all of them.
         */
        LOCKS_SINCE("locks_since", "since"),
        UNTIL("until", "(extract(epoch from clock_timestamp()) * 1000000)::bigint"),
        /**
         * The highest relation oid when the gate's transaction was first reported: relations above it were made since,
         * by that transaction (no other session can see them, so none can wait for their locks), and the gate leaves
         * their locks out of {@link #LOCKS}. Null at a gate that did not read its locks.
         */
        CREATED_ABOVE("created_above", "above::bigint"),
        /** What the statement did, as {@link GateEffects} reads it; null at gates that report none. */
        EFFECTS("effects", "effects"),
        /**
         * At a version-table write, the session's {@link #SESSION_STATE} as the revision left it; null at other gates.
         * The alembic driver reads it there instead of asking the session after each request of a flight.
         */
        SESSION("session", "session_state");

        final String key;
        final String sql;

        NoticeField(String key, String sql) {
            this.key = key;
            this.sql = sql;
        }
    }

    /** Starts the after-statement report, so a poll that sees it running knows it is lockwatch's, not the migration's. */
    public static final String AFTER_STATEMENT_MARKER = "/* lockwatch-after-statement */";
    private static final String CLOCK_US = "(extract(epoch from clock_timestamp()) * 1000000)::bigint";

    /**
     * The query the driver runs in the migration's session right after each statement of a judged upgrade when
     * capture is best-effort: one text value, the JSON of {@link NoticeField} at an {@code after} gate, with the
     * relation locks the session's transaction holds. Its parameters, in psycopg2's pyformat: {@code query} (the
     * statement as sent), {@code elapsed_us} (how long it ran, as the driver timed it) and {@code tag} (its
     * command tag). The statement's start is its end less its duration; {@link StatementAssembler} pairs the report
     * with the statement polling saw, if it saw it.
     */
    public static String afterStatementSql() {
        return AFTER_STATEMENT_MARKER + " select json_build_object(" + Arrays.stream(NoticeField.values())
                .map(f -> "'" + f.key + "', " + afterStatement(f)).collect(Collectors.joining(", ")) + ")::text";
    }

    /** {@link #afterStatementSql()} after each statement: best-effort capture, where no trigger pauses any. */
    public static AfterStatements afterEveryStatement() {
        return new AfterStatements(afterStatementSql(), Optional.empty());
    }

    /**
     * {@link #afterStatementSql()} after the statements no trigger of capture.sql pauses on a server of this major
     * version, by their first keyword: LOCK TABLE, and REINDEX before PostgreSQL 17 (event triggers fire for it since).
     * Polling sees them only when they run long enough; on an empty table they take their locks for microseconds,
     * and the next gate would know the locks but not the statement. (SELECTs are left to polling: a data migration
     * can run thousands, and their ACCESS SHARE blocks no one's writes.)
     */
    public static AfterStatements afterUngatedStatements(int majorVersion) {
        return new AfterStatements(afterStatementSql(),
                Optional.of(majorVersion >= 17 ? Set.of("LOCK") : Set.of("LOCK", "REINDEX")));
    }

    /** Each field as the session reads it after its statement; a new field must say how (the switch is exhaustive). */
    private static String afterStatement(NoticeField field) {
        return switch (field) {
            case TIME, UNTIL -> CLOCK_US;
            case PID -> "pg_backend_pid()";
            case PAUSE -> "'" + TAG_PREFIX + "0|" + Pause.Event.AFTER.name().toLowerCase(Locale.ROOT) + "|' || "
                    + "(extract(epoch from current_setting('lock_timeout')::interval) * 1000)::bigint"
                    + " || '|' || %(elapsed_us)s || '|||' || %(tag)s::text";
            case QUERY -> "%(query)s::text";
            case QUERY_START -> CLOCK_US + " - %(elapsed_us)s";
            case XACT_START -> "(extract(epoch from transaction_timestamp()) * 1000000)::bigint";
            case LOCKS -> "(select coalesce(json_agg(json_build_array(l.relation::bigint, l.mode, l.granted)), '[]'::json)"
                    + " from pg_locks l where l.pid = pg_backend_pid() and l.locktype = 'relation')";
            case LOCKS_UNCHANGED, QUERY_TOLD -> "false";
            case LOCKS_FINGERPRINT, LOCKS_SINCE -> "null::text";
            case CREATED_ABOVE -> "null::bigint"; // the transaction's gates tell it, if any passed: see ReportedGate
            case EFFECTS -> "null::json";
            case SESSION -> "null::text[]"; // no version-table write: the driver asks the session itself
        };
    }

    /** The placeholders of capture.sql this protocol fills in. */
    static Map<String, String> sqlFragments() {
        Map<String, String> fragments = new HashMap<>();
        fragments.put("@NOTICE_PREFIX@", NOTICE_PREFIX);
        fragments.put("@NOTICE_JSON@", "json_build_object(" + Arrays.stream(NoticeField.values())
                .map(f -> "'" + f.key + "', " + f.sql).collect(Collectors.joining(", ")) + ")");
        fragments.put("@CHUNK_JSON@", "json_build_object('" + NoticeField.PAUSE.key + "', tag, '"
                + NoticeField.EFFECTS.key + "', effects)");
        fragments.put("@TAG@", "'" + TAG_PREFIX + "' || seq || '|' || event || '|' || detail");
        fragments.put("@CHUNK_TAG@", "'" + TAG_PREFIX + "' || seq || '|' || case when is_last then 'last' else 'part' end"
                + " || '|' || chunk");
        fragments.put("@APPLICATION_NAME_BYTES@", Integer.toString(APPLICATION_NAME_BYTES));
        fragments.put("@CHUNK_CHARS@", Integer.toString(CHUNK_CHARS));
        fragments.put("@SESSION_STATE@", SESSION_STATE);
        fragments.put("@GATED_AT_CREATION@", GATED_AT_CREATION.stream().sorted().map(t -> "'" + t + "'")
                .collect(Collectors.joining(", ", "(", ")")));
        fragments.put("@TABLE_RELATION@", tableRelation("l.relation"));
        fragments.put("@TABLE_RELATION_LOOKED_UP@", tableRelationLookedUp("l.relation"));
        fragments.put("@LOCK_MODES@", Arrays.stream(LockMode.values()).map(m -> "'" + m.pgLocksName() + "'")
                .collect(Collectors.joining(", ", "array[", "]")));
        fragments.put("@LOCK_MODE_NUMBER@", lockModeNumber("mode"));
        fragments.put("@MESSAGE_TAG@", "regexp_match(left(current_query(), " + MESSAGE_TAG_CHARS + "), '^" + MESSAGE_TAG + "')");
        return fragments;
    }

    /**
     * A mode's position in {@code @LOCK_MODES@} (1-based, 0 for none), as a CASE: a gate numbers each lock it holds,
     * a thousand in a long deploy, and array_position took the array apart on every call (a fifth of a read of
     * pg_locks). The modes DDL takes most are tried first.
     */
    static String lockModeNumber(String mode) {
        List<LockMode> strongestFirst = new ArrayList<>(List.of(LockMode.values()));
        Collections.reverse(strongestFirst);
        return strongestFirst.stream().map(m -> "when '" + m.pgLocksName() + "' then " + (m.ordinal() + 1))
                .collect(Collectors.joining(" ", "(case " + mode + " ", " else 0 end)"));
    }

    /** A gate's tag: {@code lw|seq|event|lock_timeout_ms|elapsed_us|oid|extra|command tag}. */
    public static Optional<Pause> parseTag(String tag) {
        if (tag == null || !tag.startsWith(TAG_PREFIX)) {
            return Optional.empty();
        }
        String[] f = tag.split("\\|", 8);
        if (f.length < 8) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Pause(Long.parseLong(f[1]), Pause.Event.valueOf(f[2].toUpperCase(Locale.ROOT)),
                    number(f[3]), number(f[4]), number(f[5]), f[6], f[7]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The gate (1 or 2) a session waits at, for a tag or a chunk: capture.sql alternates them by sequence number. */
    public static OptionalInt gateOf(String applicationName) {
        if (applicationName == null || !applicationName.startsWith(TAG_PREFIX)) {
            return OptionalInt.empty();
        }
        String[] f = applicationName.split("\\|", 3);
        try {
            return f.length < 3 ? OptionalInt.empty() : OptionalInt.of((int) (1 + Long.parseLong(f[1]) % 2));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static long number(String field) {
        return field.isEmpty() ? -1 : Long.parseLong(field);
    }

    /** A gate read in full: its tag, and the statement's effects when the gate reports them. */
    public record Gate(Pause pause, JsonNode effects) {
    }

    /**
     * A gate's NOTICE payload: the fields of {@link NoticeField} as a JSON object. Empty when it is not one (a
     * NOTICE of the application's own, a tag that is not lockwatch's).
     */
    public static Optional<JsonNode> parseNotice(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject() || parseTag(field(node, NoticeField.PAUSE).asText(null)).isEmpty()
                    || !field(node, NoticeField.TIME).canConvertToLong() || !field(node, NoticeField.PID).canConvertToInt()) {
                return Optional.empty();
            }
            return Optional.of(node);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static JsonNode field(JsonNode notice, NoticeField field) {
        return notice.path(field.key);
    }

    /**
     * Reassembles gates sent in chunks through application_name, per backend: {@link #accept} returns the gate once
     * its last chunk arrived, and empty for a chunk before it.
     */
    public static final class Chunks {
        private final Map<Integer, StringBuilder> partial = new HashMap<>();

        public Optional<Gate> accept(int pid, String applicationName) {
            if (applicationName == null || !applicationName.startsWith(TAG_PREFIX)) {
                return Optional.empty();
            }
            String[] f = applicationName.split("\\|", 4);
            boolean part = f.length == 4 && f[2].equals("part");
            boolean last = f.length == 4 && f[2].equals("last");
            if (!part && !last) {
                partial.remove(pid);
                return parseTag(applicationName).map(p -> new Gate(p, MissingNode.getInstance()));
            }
            StringBuilder payload = partial.computeIfAbsent(pid, p -> new StringBuilder()).append(f[3]);
            if (part) {
                return Optional.empty();
            }
            partial.remove(pid);
            try {
                JsonNode gate = JSON.readTree(new String(Base64.getDecoder().decode(payload.toString()),
                        StandardCharsets.UTF_8));
                return parseTag(field(gate, NoticeField.PAUSE).asText(null))
                        .map(p -> new Gate(p, field(gate, NoticeField.EFFECTS)));
            } catch (IOException | IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }
}
