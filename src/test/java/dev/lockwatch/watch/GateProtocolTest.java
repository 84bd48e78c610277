package dev.lockwatch.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.capture.GateEffects;
import dev.lockwatch.capture.Pause;
import dev.lockwatch.capture.GateProtocol;
import dev.lockwatch.capture.Capture;
import dev.lockwatch.model.LockMode;
import static dev.lockwatch.support.DriverClasses.driverClass;
import static dev.lockwatch.support.DriverClasses.runWithDriver;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.SharedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The gate protocol's contract: the SQL capture.sql runs in a real server, read by the Java side (and the driver's). */
class GateProtocolTest {
    private static final String DATABASE = "lockwatch_gate_protocol_test";

    @BeforeAll
    static void createDatabase() throws SQLException {
        SharedPostgres.createDatabase(DATABASE);
        try (Connection c = SharedPostgres.connect(DATABASE)) {
            Capture.install(c, Capture.DEFAULT_VERSION_TABLE);
        }
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        SharedPostgres.dropDatabase(DATABASE);
    }

    @Test
    void aSessionReportingInBandSendsNoticesTheJavaSideReads() throws SQLException {
        List<BackendSample> gates = new ArrayList<>();
        ReportedGate reader = new ReportedGate(1024);
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute("create table \"user\" (id int primary key)");
            s.execute("set lockwatch.report = notice");
            s.execute("alter table \"user\" add column note text");
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                String notice = w.getMessage();
                assertTrue(notice.startsWith(GateProtocol.NOTICE_PREFIX), notice);
                gates.add(reader.parse(notice.substring(GateProtocol.NOTICE_PREFIX.length()))
                        .orElseThrow(() -> new AssertionError(notice)));
            }
        }
        assertEquals(List.of(Pause.Event.START, Pause.Event.END), gates.stream().map(g -> g.pause().event()).toList());
        BackendSample end = gates.get(1);
        assertEquals("ALTER TABLE", end.pause().tag());
        assertTrue(end.query().startsWith("alter table"), end.query());
        assertTrue(end.locks().stream().anyMatch(l -> l.mode() == LockMode.ACCESS_EXCLUSIVE), end.toString());
    }

    /** Each mode pg_locks names comes back from the number a gate keeps for it, granted or not, and no other does. */
    @Test
    void aLockKeptAsANumberComesBackAsTheSameLock() throws SQLException {
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            for (LockMode mode : LockMode.values()) {
                for (boolean granted : new boolean[] {true, false}) {
                    try (ResultSet rs = s.executeQuery("select r.relation, r.mode, r.granted from lockwatch.lock_rows("
                            + "array[lockwatch.lock_code(16385, '" + mode.pgLocksName() + "', " + granted + ")]) r")) {
                        assertTrue(rs.next());
                        assertEquals(16385, rs.getLong(1));
                        assertEquals(mode.pgLocksName(), rs.getString(2));
                        assertEquals(granted, rs.getBoolean(3));
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("select lockwatch.lock_code(16385, 'SIReadLock', true) % 32")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getLong(1), "a mode no table lock has is numbered 0");
            }
        }
    }

    /**
     * In one long transaction a gate carries what a verdict can name: table locks, not the indexes, sequences and
     * catalogs the session also holds; a gate whose locks did not change since the last carries none (the reader
     * gives it the last gate's); and index storage is told once: what a statement built in its end gate's table
     * states, what a REINDEX (no gate before PostgreSQL 17) rebuilt at the next start gate.
     */
    @Test
    void inOneTransactionGatesCarryTableLocksAndTellEachIndexOnce() throws SQLException {
        List<BackendSample> gates = new ArrayList<>();
        ReportedGate reader = new ReportedGate(1024);
        List<Long> tables = new ArrayList<>();
        List<String> notices = new ArrayList<>();
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute("create table once_a (id serial primary key, note text)");
            s.execute("create table once_b (id int primary key)");
            s.execute("create table once_c (id int primary key)");
            c.setAutoCommit(false);
            s.execute("set lockwatch.report = notice");
            for (String ddl : List.of("alter table once_a add column more text",
                    "create index once_a_note on once_a (note)", "alter table once_b add column note text",
                    "reindex index once_a_note; alter table once_c add column note text")) {
                s.execute(ddl); // each execute clears the warnings of the one before
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    notices.add(w.getMessage().substring(GateProtocol.NOTICE_PREFIX.length()));
                    gates.add(reader.parse(notices.get(notices.size() - 1)).orElseThrow());
                }
            }
            try (ResultSet rs = s.executeQuery("select oid::bigint from pg_class where relname in ('once_a', 'once_b', 'once_c') order by relname")) {
                while (rs.next()) {
                    tables.add(rs.getLong(1));
                }
            }
            c.rollback();
            c.setAutoCommit(true);
            s.execute("reset lockwatch.report; drop table once_a, once_b, once_c");
            BackendSample last = gates.get(gates.size() - 1);
            assertTrue(last.locks().stream().allMatch(l -> tables.contains(l.relation())), last.locks().toString());
            assertEquals(tables.size(), last.locks().stream().map(BackendSample.HeldLock::relation).distinct().count(),
                    last.locks().toString());
            // what the last end gate sent: once_c's locks alone, added to the report before it
            com.fasterxml.jackson.databind.JsonNode sent = GateProtocol.parseNotice(notices.get(notices.size() - 1)).orElseThrow();
            assertEquals(GateProtocol.field(GateProtocol.parseNotice(notices.get(notices.size() - 2)).orElseThrow(),
                    GateProtocol.NoticeField.LOCKS_FINGERPRINT).asText(), GateProtocol.field(sent, GateProtocol.NoticeField.LOCKS_SINCE).asText());
            for (com.fasterxml.jackson.databind.JsonNode lock : GateProtocol.field(sent, GateProtocol.NoticeField.LOCKS)) {
                assertEquals(tables.get(2).longValue(), lock.path(0).asLong(), sent.toString());
            }
        }
        List<BackendSample> starts = gates.stream().filter(g -> g.pause().event() == Pause.Event.START).toList();
        List<java.util.Set<Long>> told = starts.stream().map(g -> g.pause().rebuiltTables()).toList();
        boolean reindexGated = gates.stream().anyMatch(g -> g.pause().tag().equals("REINDEX"));
        assertEquals(reindexGated ? 5 : 4, told.size(), gates.toString());
        assertEquals(java.util.Set.of(), told.get(1), told.toString());
        assertEquals(java.util.Set.of(), told.get(2), told.toString()); // once_a_note: in its end gate's states
        if (!reindexGated) { // before PostgreSQL 17: the REINDEX's new storage, told at the next start gate
            assertEquals(java.util.Set.of(tables.get(0)), told.get(3), told.toString());
        }
        // nothing ran between a statement's end gate and the next start gate: the same locks, read but not sent again
        BackendSample secondStart = starts.get(2);
        BackendSample firstEnd = gates.get(gates.indexOf(secondStart) - 1);
        assertEquals(Pause.Event.END, firstEnd.pause().event());
        assertEquals(firstEnd.locks(), secondStart.locks());
        assertTrue(secondStart.locks().stream().anyMatch(l -> l.relation() == tables.get(0)), secondStart.toString());
    }

    /**
     * A relation the gate's own transaction made is invisible to every other session, which cannot wait for its lock:
     * its gates leave those locks out (a deploy of one transaction holds a thousand), and tell the mark above which
     * they did, so the watcher leaves them out of its own looks too. Locks on what existed before are all told.
     */
    @Test
    void aTransactionsGatesLeaveOutLocksOnTheRelationsItMade() throws SQLException {
        List<BackendSample> gates = new ArrayList<>();
        List<com.fasterxml.jackson.databind.JsonNode> notices = new ArrayList<>();
        ReportedGate reader = new ReportedGate(1024);
        long old;
        long made;
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute("create table made_before (id int primary key)");
            c.setAutoCommit(false);
            s.execute("set lockwatch.report = notice");
            for (String sql : List.of("create table made_now (id serial primary key, ref int references made_before)",
                    "alter table made_before add column note text", "alter table made_now add column note text",
                    "create index made_now_note on made_now (note)", "lock table made_now in exclusive mode",
                    "alter table made_before add column more text")) {
                s.execute(sql);
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    String payload = w.getMessage().substring(GateProtocol.NOTICE_PREFIX.length());
                    notices.add(GateProtocol.parseNotice(payload).orElseThrow());
                    gates.add(reader.parse(payload).orElseThrow());
                }
            }
            try (ResultSet rs = s.executeQuery("select 'made_before'::regclass::oid::bigint, 'made_now'::regclass::oid::bigint")) {
                rs.next();
                old = rs.getLong(1);
                made = rs.getLong(2);
            }
            c.rollback();
            c.setAutoCommit(true);
            s.execute("reset lockwatch.report; drop table made_before");
        }
        Set<Long> marks = notices.stream().map(n -> GateProtocol.field(n, GateProtocol.NoticeField.CREATED_ABOVE))
                .filter(m -> !m.isNull()).map(m -> m.asLong()).collect(Collectors.toSet());
        assertEquals(1, marks.size(), notices.toString());
        long mark = marks.iterator().next();
        assertTrue(old <= mark && mark < made, old + " <= " + mark + " < " + made);
        assertTrue(gates.stream().allMatch(g -> g.locks().stream().allMatch(l -> l.relation() <= mark)), gates.toString());
        BackendSample last = gates.get(gates.size() - 1);
        assertEquals(Pause.Event.END, last.pause().event());
        assertTrue(last.locks().stream().filter(l -> l.relation() == old).map(BackendSample.HeldLock::mode)
                .collect(Collectors.toSet()).containsAll(Set.of(LockMode.SHARE_ROW_EXCLUSIVE, LockMode.ACCESS_EXCLUSIVE)),
                last.locks().toString());
        // a poll of the same transaction sees the lock on made_now: the watcher leaves it out as the gates did
        BackendSample polled = new BackendSample(last.timeUs() + 1, last.pid(), "select 1", last.timeUs() + 1,
                last.xactStartUs(), List.of(new BackendSample.HeldLock(old, LockMode.ACCESS_EXCLUSIVE, true),
                        new BackendSample.HeldLock(made, LockMode.EXCLUSIVE, true)), null, false, -1, true);
        assertEquals(List.of(new BackendSample.HeldLock(old, LockMode.ACCESS_EXCLUSIVE, true)),
                reader.withoutCreatedRelations(List.of(polled)).get(0).locks());
    }

    /**
     * A rolled-back savepoint releases the locks taken in it and takes back the session's memory of what it told: the
     * next gate, unchanged against what was told before the savepoint, must get those locks, not the savepoint's.
     */
    @Test
    void aGateAfterARolledBackSavepointHasTheLocksOfBeforeIt() throws SQLException {
        List<BackendSample> gates = new ArrayList<>();
        ReportedGate reader = new ReportedGate(1024);
        long[] inside = new long[1];
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement();
             Statement probe = c.createStatement()) {
            s.execute("create table sp_outer (id int primary key)");
            s.execute("create table sp_inner (id int primary key)");
            c.setAutoCommit(false);
            s.execute("set lockwatch.report = notice");
            for (String sql : List.of("alter table sp_outer add column note text", "savepoint lw_sp",
                    "alter table sp_inner add column note text", "rollback to savepoint lw_sp",
                    "alter table sp_outer add column more text")) {
                s.execute(sql);
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    gates.add(reader.parse(w.getMessage().substring(GateProtocol.NOTICE_PREFIX.length())).orElseThrow());
                }
                if (sql.startsWith("alter table sp_inner")) {
                    try (ResultSet rs = probe.executeQuery("select 'sp_inner'::regclass::oid::bigint")) {
                        rs.next();
                        inside[0] = rs.getLong(1);
                    }
                }
            }
            c.rollback();
            c.setAutoCommit(true);
            s.execute("reset lockwatch.report; drop table sp_outer, sp_inner");
        }
        BackendSample lastStart = gates.stream().filter(g -> g.pause().event() == Pause.Event.START)
                .reduce((a, b) -> b).orElseThrow();
        assertEquals("ALTER TABLE", lastStart.pause().tag());
        assertTrue(gates.stream().anyMatch(g -> g.locks().stream().anyMatch(l -> l.relation() == inside[0])),
                "the savepoint's statement was reported with its locks: " + gates);
        assertTrue(lastStart.locks().stream().noneMatch(l -> l.relation() == inside[0]), lastStart.locks().toString());
        assertFalse(lastStart.locks().isEmpty(), lastStart.toString());
    }

    /**
     * A transaction's first report carries every table lock it holds, and only table locks: a few looked up one by
     * one, many (a data migration that read dozens of tables before its first DDL) in one pass over pg_class.
     */
    @ParameterizedTest
    @ValueSource(ints = {3, 60})
    void aTransactionsFirstReportCarriesEachTableItLockedBeforeIt(int tables) throws SQLException {
        List<String> names = new ArrayList<>();
        Set<Long> expected = new HashSet<>();
        List<BackendSample> gates = new ArrayList<>();
        ReportedGate reader = new ReportedGate(1024);
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            for (int i = 0; i < tables; i++) {
                names.add("first_" + tables + "_" + i);
                s.execute("create table " + names.get(i) + " (id int primary key)");
                try (ResultSet rs = s.executeQuery("select '" + names.get(i) + "'::regclass::oid::bigint")) {
                    rs.next();
                    expected.add(rs.getLong(1));
                }
            }
            c.setAutoCommit(false);
            s.execute("set lockwatch.report = notice");
            s.execute(names.stream().map(n -> "select count(*) from " + n).collect(Collectors.joining(" union all ")));
            s.execute("alter table " + names.get(0) + " add column note text");
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                gates.add(reader.parse(w.getMessage().substring(GateProtocol.NOTICE_PREFIX.length())).orElseThrow());
            }
            c.rollback();
            c.setAutoCommit(true);
            s.execute("reset lockwatch.report");
            for (String name : names) {
                s.execute("drop table " + name);
            }
        }
        BackendSample start = gates.get(0);
        assertEquals(Pause.Event.START, start.pause().event());
        assertEquals(expected, start.locks().stream().map(BackendSample.HeldLock::relation).collect(Collectors.toSet()),
                start.locks().toString());
    }

    @Test
    void aTagThatFitsTravelsAloneAndALongOneInChunksNoneClipped() throws SQLException {
        String shortTag = "lw|7|end|0|12|34||ALTER TABLE";
        assertEquals(List.of(shortTag), chunkTags(7, shortTag, null));

        String longTag = "lw|9|start|3000|||" + "1234567,".repeat(20) + "1|ALTER TABLE";
        String effects = "{\"commands\": [[\"pg_class\", 16400, 0, \"ALTER TABLE\", \"table\", \"public.\\\"grüße\\\"\"]]}";
        List<String> tags = chunkTags(9, longTag, effects);
        assertTrue(tags.size() > 3, tags.toString());
        GateProtocol.Chunks chunks = new GateProtocol.Chunks();
        Optional<GateProtocol.Gate> gate = Optional.empty();
        for (int i = 0; i < tags.size(); i++) {
            String tag = tags.get(i);
            assertTrue(tag.getBytes(StandardCharsets.UTF_8).length <= GateProtocol.APPLICATION_NAME_BYTES, tag);
            assertEquals(9 + i, Long.parseLong(tag.split("\\|")[1]), tag); // each chunk its own gate, alternating
            gate = chunks.accept(42, tag);
            assertEquals(i == tags.size() - 1, gate.isPresent(), tag);
        }
        assertEquals(GateProtocol.parseTag(longTag), gate.map(GateProtocol.Gate::pause));
        GateEffects read = GateEffects.parse(gate.get().effects());
        assertEquals("public.\"grüße\"", read.commands().get(0).identity());
        assertEquals(16400, read.commands().get(0).objid());
    }

    @Test
    void theDriverHandsOverTheNoticePayloadWhole(@TempDir Path dir) throws IOException, InterruptedException {
        // the driver's _GateNotices, run alone: it must find the prefix Java defines and keep the JSON whole
        Path script = dir.resolve("check.py");
        Files.writeString(script, """
                import ast, json, sys, weakref
                source = open(sys.argv[1]).read()
                tree = ast.parse(source)
                cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_GateNotices")
                namespace = {"json": json, "weakref": weakref}
                exec(compile(ast.Module(body=[cls], type_ignores=[]), "driver", "exec"), namespace)
                class Session:
                    _lockwatch_msg = 7
                session = Session()
                gates = []
                notices = namespace["_GateNotices"](gates, session)
                notices.append("NOTICE:  " + sys.argv[2] + '{"pause": "lw|1|end|0|||| x"}\\n')
                notices.append("NOTICE:  something else\\n")
                notices.append("NOTICE:  " + sys.argv[2] + '{"pause" : "lw|2|version|0|||| UPDATE", "session" : ["a", "b"]}')
                print(repr(gates[0]), len(gates), len(notices), session._lockwatch_session)
                """);
        String out = runWithDriver(script, GateProtocol.NOTICE_PREFIX);
        assertEquals("'{\"pause\": \"lw|1|end|0|||| x\"}' 2 1 (7, ['a', 'b'])", out);
    }

    /**
     * A version-table write reports the session's settings as the session itself reads them (what the driver's flight
     * compares), not as the gate, which runs with the timeouts off, would; other gates report none.
     */
    @Test
    void aVersionTableWriteReportsTheSessionsSettings() throws SQLException {
        List<JsonNode> notices = new ArrayList<>();
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute("create table session_versions (version_num varchar(32) primary key)");
            s.execute("select lockwatch.gate_version_table('public.session_versions')");
            c.setAutoCommit(false);
            s.execute("set lockwatch.report = notice; set lock_timeout = '3s'; set statement_timeout = '7s';"
                    + " set search_path = public, pg_catalog");
            for (String sql : List.of("create table session_other (id int)",
                    "insert into session_versions values ('r1')")) {
                s.execute(sql);
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    notices.add(GateProtocol.parseNotice(w.getMessage().substring(GateProtocol.NOTICE_PREFIX.length()))
                            .orElseThrow());
                }
            }
            List<String> expected = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("select " + GateProtocol.SESSION_STATE)) {
                rs.next();
                expected.addAll(List.of((String[]) rs.getArray(1).getArray()));
            }
            c.rollback();
            c.setAutoCommit(true);
            s.execute("reset all; drop table session_versions");
            JsonNode version = notices.get(notices.size() - 1);
            List<String> told = new ArrayList<>();
            GateProtocol.field(version, GateProtocol.NoticeField.SESSION).forEach(v -> told.add(v.asText()));
            assertEquals(expected, told);
            assertTrue(told.containsAll(List.of("3s", "7s")), told.toString());
            assertTrue(notices.subList(0, notices.size() - 1).stream()
                    .allMatch(n -> GateProtocol.field(n, GateProtocol.NoticeField.SESSION).isNull()));
        }
    }

    /**
     * A gate at a DDL's start (or a version-table write) skips its read of pg_locks only when the driver's message
     * count proves nothing ran since the previous gate of the transaction: the previous message held one statement,
     * which that gate ended, and this is the next message, one statement of this gate's kind. A LOCK TABLE (no gate),
     * a message of several statements, or a SELECT between them makes the next start gate read, so the lock the
     * statement in between took is told there, not charged to the next DDL. The driver's tag parses as Java defines
     * it, and the watcher strips it.
     */
    @Test
    void aStartGateSkipsItsLockReadOnlyWhenTheDriversCountProvesNothingRanSince(@TempDir Path dir) throws Exception {
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute("create table quiet_busy (id int)");
        }
        Path script = dir.resolve("quiet.py");
        Files.writeString(script, "import ast, re, sys, psycopg2\n" + driverClass("_MessageTag", "{\"re\": re}") + """
                tag = namespace["_MessageTag"].tagged
                connection = psycopg2.connect(sys.argv[2])
                cursor = connection.cursor()
                cursor.execute("set lockwatch.report = notice; set track_functions = 'all'")
                count = 0
                def send(sql):
                    global count
                    count += 1
                    cursor.execute(tag(sql, count))
                    print("sent", count)
                send("create table quiet_a (id int)")                        # first gate of the transaction: reads
                send("create index quiet_a_1 on quiet_a (id)")               # the message after: skips
                send("lock table quiet_busy in share mode")                   # no gate
                send("create index quiet_a_2 on quiet_a (id)")               # reads: tells quiet_busy's lock
                send("select 1; create table quiet_b (id int)")              # several statements: reads
                send("create table quiet_c (id int)")                        # after several: reads
                send("create table quiet_d (id int)")                        # skips
                count += 2                                                   # messages no tag counted
                send("create table quiet_e (id int)")                        # reads
                cursor.execute("select calls from pg_stat_xact_user_functions where funcname = 'rebuilt_oids'")
                print("rebuilt_oids", cursor.fetchone()[0])
                print("tagged", tag("ALTER TABLE x ADD y int;", 7))
                print("tagged", tag(b"/* c */ update t set a = 1; update u set b = 2", 8).decode())
                connection.rollback()
                for notice in connection.notices:
                    print(notice.strip())
                """);
        String out = runWithDriver(script, databaseUrl());
        long busy;
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select 'quiet_busy'::regclass::oid")) {
            rs.next();
            busy = rs.getLong(1);
        }
        ReportedGate reader = new ReportedGate(1024);
        List<BackendSample> starts = new ArrayList<>();
        for (String line : out.lines().toList()) {
            int at = line.indexOf(GateProtocol.NOTICE_PREFIX);
            if (at >= 0) {
                BackendSample gate = reader.parse(line.substring(at + GateProtocol.NOTICE_PREFIX.length())).orElseThrow();
                if (gate.pause().event() == Pause.Event.START) {
                    starts.add(gate);
                }
            }
        }
        assertEquals(7, starts.size(), out);
        // the start gates that read (5 of 7: all but quiet_a_1's and quiet_d's) and the 7 end gates call it once each
        assertTrue(out.contains("rebuilt_oids 12"), out);
        assertFalse(starts.get(2).locks().isEmpty(), out);
        assertTrue(starts.get(2).locks().contains(new BackendSample.HeldLock(busy, dev.lockwatch.model.LockMode.SHARE, true)),
                "the LOCK TABLE's lock is told at the next start gate: " + starts.get(2).locks());
        assertFalse(starts.get(1).locks().stream().anyMatch(l -> l.relation() == busy), starts.get(1).toString());
        assertTrue(out.contains("tagged /* lockwatch-msg 7 ALTER */ ALTER TABLE x ADD y int;"), out);
        assertTrue(out.contains("tagged /* lockwatch-msg 8 */ /* c */ update t set a = 1;"), out);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(GateProtocol.MESSAGE_TAG)
                .matcher("/* lockwatch-msg 7 ALTER */ ALTER TABLE x ADD y int;");
        assertTrue(m.lookingAt());
        assertEquals("7", m.group(1));
        assertEquals("ALTER", m.group(2));
        assertEquals("ALTER TABLE x ADD y int;",
                dev.lockwatch.alembic.SourceTag.strip("/* lockwatch-msg 7 ALTER */ ALTER TABLE x ADD y int;").sql());
        assertEquals("CREATE INDEX i ON t (a)", dev.lockwatch.alembic.SourceTag.strip(
                "/* lockwatch-msg 9 CREATE */ /* lockwatch-source /p/v.py:3 */ CREATE INDEX i ON t (a)").sql());
    }

    /**
     * The driver's kept psycopg2 sessions count what they send while they report gates in-band: each execute is one
     * tagged message; executemany, callproc and COPY send messages no tag counts and leave a gap; a cursor of another
     * class ends the count for the session (its messages cannot be followed).
     */
    @Test
    void theDriversSessionsCountTheirMessagesAndLeaveAGapForThoseNoTagCounts(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("count.py");
        Files.writeString(script, "import ast, json, os, re, sys, weakref, psycopg2, psycopg2.extensions, psycopg2.extras\n"
                + """
                tree = ast.parse(open(sys.argv[1]).read())
                wanted = {"_MessageTag", "_Fingerprint", "_GateNotices", "_SessionKeeper"}
                classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name in wanted]
                namespace = {"re": re, "os": os, "json": json, "weakref": weakref}
                exec(compile(ast.Module(body=classes, type_ignores=[]), "driver", "exec"), namespace)
                keeper = namespace["_SessionKeeper"](psycopg2)
                keeper.gates = []
                connection = psycopg2.connect(sys.argv[2])
                cursor = connection.cursor()
                cursor.execute("select 1")
                print("execute", connection._lockwatch_msg, cursor.query.decode())
                cursor.executemany("select %s", [(1,), (2,)])
                print("executemany", connection._lockwatch_msg)
                cursor.execute("select 2")
                print("next", connection._lockwatch_msg, cursor.query.decode())
                connection.cursor(cursor_factory=psycopg2.extras.DictCursor)
                print("other cursor", connection._lockwatch_msg)
                connection.rollback()
                """);
        String out = runWithDriver(script, databaseUrl());
        // message 1 is the checkout's SET lockwatch.report = notice
        assertTrue(out.contains("execute 2 /* lockwatch-msg 2 SELECT */ select 1"), out);
        assertTrue(out.contains("executemany 4"), out);
        assertTrue(out.contains("next 5 /* lockwatch-msg 5 SELECT */ select 2"), out);
        assertTrue(out.contains("other cursor None"), out);
    }

    /**
     * Best-effort capture's report: the driver's _AfterStatement, run alone on a real SQLAlchemy engine, runs
     * {@link GateProtocol#afterStatementSql()} after each statement, and the Java side reads each answer as an
     * {@code after} gate with the locks the transaction held at that statement's end.
     */
    @Test
    void theDriverReportsEachStatementsLocksAfterItAndTheJavaSideReadsThem(@TempDir Path dir) throws Exception {
        String out = runAfterStatement(dir, """
                after.start(sys.argv[3], reports)
                with sa.create_engine(sys.argv[2]).begin() as connection:
                    connection.exec_driver_sql("create table after_orders (id int, note text)")
                    connection.exec_driver_sql("create index ix_after_orders on after_orders (id)")
                    connection.execute(sa.text("insert into after_orders (note) values (:note)"), {"note": "50% off"})
                after.stop()
                for report in reports:
                    print(report)
                """);
        List<BackendSample> reports = new ArrayList<>();
        ReportedGate reader = new ReportedGate(1024);
        for (String line : out.lines().toList()) {
            reports.add(reader.parse(line).orElseThrow(() -> new AssertionError(line)));
        }
        long oid;
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select 'after_orders'::regclass::oid")) {
            rs.next();
            oid = rs.getLong(1);
        }
        assertEquals(3, reports.size(), out);
        assertEquals(List.of("CREATE TABLE", "CREATE INDEX", "INSERT"), reports.stream().map(r -> r.pause().tag()).toList());
        for (BackendSample report : reports) {
            assertEquals(Pause.Event.AFTER, report.pause().event(), report.toString());
            assertEquals(reports.get(0).pid(), report.pid(), "the statement's own session");
            assertEquals(reports.get(0).xactStartUs(), report.xactStartUs(), "the statement's own transaction");
            assertTrue(report.pause().elapsedUs() >= 0 && report.queryStartUs() <= report.timeUs(), report.toString());
        }
        assertTrue(reports.get(1).query().startsWith("create index ix_after_orders"), reports.get(1).query());
        assertTrue(reports.get(2).query().contains("'50% off'"), "the statement as the server got it: " + reports.get(2).query());
        assertTrue(reports.get(1).locks().contains(new BackendSample.HeldLock(oid, dev.lockwatch.model.LockMode.SHARE, true)),
                reports.get(1).locks().toString());
    }

    /**
     * With event triggers, only the statements no trigger pauses are followed by a report (the keywords
     * {@link GateProtocol#afterUngatedStatements} lists, as the request's report_after_only): here the LOCK TABLE,
     * past the comments before its keyword, not the DDL and DML around it.
     */
    @Test
    void theDriverReportsAfterTheListedStatementsOnly(@TempDir Path dir) throws Exception {
        String out = runAfterStatement(dir, """
                after.start(sys.argv[3], reports, ["LOCK", "REINDEX"])
                with sa.create_engine(sys.argv[2]).begin() as connection:
                    connection.exec_driver_sql("create table only_orders (id int)")
                    connection.exec_driver_sql("/* a comment */ lock table only_orders in share mode")
                    connection.exec_driver_sql("insert into only_orders values (1)")
                after.stop()
                for report in reports:
                    print(report)
                """);
        List<BackendSample> reports = out.lines().map(line -> new ReportedGate(1024).parse(line)
                .orElseThrow(() -> new AssertionError(line))).toList();
        assertEquals(List.of("LOCK TABLE"), reports.stream().map(r -> r.pause().tag()).toList(), out);
        assertTrue(GateProtocol.afterUngatedStatements(16).onlyFirstKeywords().orElseThrow().contains("REINDEX"));
        assertTrue(!GateProtocol.afterUngatedStatements(17).onlyFirstKeywords().orElseThrow().contains("REINDEX"),
                "event triggers fire for REINDEX from PostgreSQL 17");
    }

    /**
     * A report query that fails inside the migration's transaction (a revision's tiny statement_timeout) costs the
     * report only: its savepoint keeps the transaction usable, so the revision's next statements and its commit run.
     */
    @Test
    void aReportQueryThatFailsLeavesTheMigrationsTransactionUsable(@TempDir Path dir) throws Exception {
        String out = runAfterStatement(dir, """
                after.start("select (1 / 0)::text where %(query)s is not null or %(elapsed_us)s > 0 or %(tag)s = ''",
                            reports)
                with sa.create_engine(sys.argv[2]).begin() as connection:
                    connection.exec_driver_sql("create table failing_reports (id int)")
                    connection.exec_driver_sql("insert into failing_reports values (1)")
                after.stop()
                print(len(reports))
                """);
        assertEquals("0", out, "no report, and no error for the migration");
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from failing_reports")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "the migration's transaction committed its work");
        }
    }

    /**
     * Runs the driver's _AfterStatement class alone (no alembic) in a script: {@code body} sees {@code after} (the
     * instance), {@code reports}, {@code sa}, and in argv the scratch URL and the protocol's after-statement SQL.
     */
    private static String runAfterStatement(Path dir, String body) throws Exception {
        Path script = dir.resolve("after.py");
        Files.writeString(script, "import ast, re, sys, time\nimport sqlalchemy as sa\n"
                + driverClass("_MessageTag", "{\"re\": re}") + "message_tag = namespace[\"_MessageTag\"]\n"
                + driverClass("_AfterStatement", "{\"time\": time, \"_MessageTag\": message_tag}") + """
                reports = []
                after = namespace["_AfterStatement"]()
                """ + body);
        return runWithDriver(script, databaseUrl(), GateProtocol.afterStatementSql());
    }

    private static String databaseUrl() {
        return "postgresql://postgres:postgres@localhost:" + SharedPostgres.server().getPort() + "/" + DATABASE;
    }

    private static List<String> chunkTags(long seq, String tag, String effects) throws SQLException {
        List<String> tags = new ArrayList<>();
        try (Connection c = SharedPostgres.connect(DATABASE);
             var s = c.prepareStatement("select lockwatch.chunk_tags(?, ?, ?::json)")) {
            s.setLong(1, seq);
            s.setString(2, tag);
            s.setString(3, effects);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    tags.add(rs.getString(1));
                }
            }
        }
        return tags;
    }

    /**
     * On PostgreSQL 15 and later a session's scan counts include its earlier transactions' until they are flushed. A
     * transaction that directly follows one whose gate asked for that flush reads the base counts of the tables it
     * locked alone ("locked"); after a transaction in between, which may have scanned a table unflushed, it reads
     * every table's ("all"), and that scan is not charged to the statement that first locks the table since.
     */
    @Test
    void aScanOfAnEarlierTransactionIsNeverChargedToALaterStatement() throws SQLException {
        ReportedGate reader = new ReportedGate(1024);
        try (Connection c = SharedPostgres.connect(DATABASE); Statement s = c.createStatement()) {
            s.execute("create table scanned_before (id int primary key, note text)");
            long table = oid(s, "scanned_before");
            boolean pending = serverVersionNum(s) >= 150000;
            c.setAutoCommit(false);
            s.execute("set lockwatch.report = notice");
            s.execute("alter table scanned_before add column a text"); // its first gate asks for the flush
            c.commit();
            s.execute("alter table scanned_before add column b text");
            assertEquals(pending ? "locked" : "", scanBaseRead(s), "the very next transaction");
            c.commit();
            s.execute("select count(*) from scanned_before"); // a transaction no gate sees, its scan unflushed
            c.commit();
            s.execute("alter table scanned_before add constraint positive check (id > 0) not valid");
            BackendSample end = null;
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                end = reader.parse(w.getMessage().substring(GateProtocol.NOTICE_PREFIX.length())).orElseThrow();
            }
            assertEquals(pending ? "all" : "", scanBaseRead(s), "a transaction ran in between");
            assertEquals(0L, end.effects().scans().getOrDefault(table, 0L), "NOT VALID scans nothing: " + end);
            c.rollback();
            c.setAutoCommit(true);
            s.execute("reset lockwatch.report; drop table scanned_before");
        }
    }

    private static long oid(Statement s, String table) throws SQLException {
        try (ResultSet rs = s.executeQuery("select '" + table + "'::regclass::oid::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static int serverVersionNum(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select current_setting('server_version_num')::int")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String scanBaseRead(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select coalesce(current_setting('lockwatch.scan_base_read', true), '')")) {
            rs.next();
            return rs.getString(1);
        }
    }
}

