package dev.lockwatch.watch;

import dev.lockwatch.capture.Pause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.LockMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportedGateTest {
    @Test
    void aReportBecomesTheSampleAGateReadByTheWatcherGives() {
        String report = """
                {"time" : 2000, "pid" : 42, "pause" : "lw|2|end|0|1217|16391||CREATE INDEX",
                 "query" : "CREATE INDEX ix ON t (a)", "query_start" : 1500, "xact_start" : 1000,
                 "locks" : [[16391, "ShareLock", true], [1259, "AccessShareLock", true], [16391, "AccessExclusiveLock", true]],
                 "until" : 2100}""";

        BackendSample sample = new ReportedGate(1024).parse(report).orElseThrow();

        assertEquals(new BackendSample(2000, 42, "CREATE INDEX ix ON t (a)", 1500, 1000,
                List.of(new BackendSample.HeldLock(1259, LockMode.ACCESS_SHARE, true),
                        new BackendSample.HeldLock(16391, LockMode.SHARE, true),
                        new BackendSample.HeldLock(16391, LockMode.ACCESS_EXCLUSIVE, true)),
                Pause.parse("lw|2|end|0|1217|16391||CREATE INDEX").orElseThrow(), false, 2100, true), sample);
    }

    @Test
    void aGateWhoseLocksAreUnchangedHasTheLocksOfTheGateWithTheSameFingerprint() {
        ReportedGate reader = new ReportedGate(1024);
        BackendSample end = reader.parse("""
                {"time" : 2000, "pid" : 42, "pause" : "lw|2|end|0|1217|16391||CREATE INDEX", "query" : "CREATE INDEX ix ON t (a)",
                 "query_start" : 1500, "xact_start" : 1000, "locks" : [[16391, "ShareLock", true]],
                 "locks_unchanged" : false, "locks_fingerprint" : "1000|1:7", "until" : 2100}""").orElseThrow();
        BackendSample start = reader.parse("""
                {"time" : 2200, "pid" : 42, "pause" : "lw|3|start|0||||ALTER TABLE", "query" : "ALTER TABLE t ADD b int",
                 "query_start" : 2150, "xact_start" : 1000, "locks" : null, "locks_unchanged" : true,
                 "locks_fingerprint" : "1000|1:7", "until" : 2210}""").orElseThrow();
        BackendSample inSavepoint = reader.parse("""
                {"time" : 2300, "pid" : 42, "pause" : "lw|4|end|0|50|16400||ALTER TABLE", "query" : "ALTER TABLE u ADD b int",
                 "query_start" : 2250, "xact_start" : 1000, "locks" : [[16391, "ShareLock", true],
                 [16400, "AccessExclusiveLock", true]], "locks_unchanged" : false, "locks_fingerprint" : "1000|2:9",
                 "until" : 2310}""").orElseThrow();
        // the savepoint rolled back: the session's locks, and its memory of what it told, are those of before it
        BackendSample afterRollback = reader.parse("""
                {"time" : 2400, "pid" : 42, "pause" : "lw|5|start|0||||ALTER TABLE", "query" : "ALTER TABLE t ADD c int",
                 "query_start" : 2350, "xact_start" : 1000, "locks" : null, "locks_unchanged" : true,
                 "locks_fingerprint" : "1000|1:7", "until" : 2410}""").orElseThrow();
        BackendSample otherSession = reader.parse("""
                {"time" : 2500, "pid" : 43, "pause" : "lw|1|start|0||||ALTER TABLE", "query" : "ALTER TABLE u ADD b int",
                 "query_start" : 2450, "xact_start" : 2450, "locks" : [], "locks_unchanged" : false,
                 "locks_fingerprint" : "2450|0:0", "until" : 2510}""").orElseThrow();

        assertEquals(List.of(new BackendSample.HeldLock(16391, LockMode.SHARE, true)), end.locks());
        assertEquals(end.locks(), start.locks());
        assertEquals(2, inSavepoint.locks().size());
        assertEquals(end.locks(), afterRollback.locks());
        assertEquals(List.of(), otherSession.locks());
    }

    @Test
    void anythingElseIsNotAReport() {
        assertTrue(new ReportedGate(1024).parse("not json").isEmpty());
        assertTrue(new ReportedGate(1024).parse("{\"time\": 1, \"pid\": 2, \"pause\": \"lockwatch-migration\"}").isEmpty());
        assertTrue(new ReportedGate(1024).parse("{\"pid\": 2, \"pause\": \"lw|1|start|0||||ALTER TABLE\"}").isEmpty());
    }

    @Test
    void theStatementIsCutAsPgStatActivityCutsIt() {
        // track_activity_query_size bytes minus the terminator, never inside a character
        assertEquals("abc", ReportedGate.clip("abcdef", 4));
        assertEquals("ab", ReportedGate.clip("abé", 4)); // é takes bytes 3 and 4: it does not fit in 3
        assertEquals("abé", ReportedGate.clip("abé", 5));
        assertEquals("abcdef", ReportedGate.clip("abcdef", 7));
    }
}
