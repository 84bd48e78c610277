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

        BackendSample sample = ReportedGate.parse(report, 1024).orElseThrow();

        assertEquals(new BackendSample(2000, 42, "CREATE INDEX ix ON t (a)", 1500, 1000,
                List.of(new BackendSample.HeldLock(1259, LockMode.ACCESS_SHARE, true),
                        new BackendSample.HeldLock(16391, LockMode.SHARE, true),
                        new BackendSample.HeldLock(16391, LockMode.ACCESS_EXCLUSIVE, true)),
                Pause.parse("lw|2|end|0|1217|16391||CREATE INDEX").orElseThrow(), false, 2100, true), sample);
    }

    @Test
    void anythingElseIsNotAReport() {
        assertTrue(ReportedGate.parse("not json", 1024).isEmpty());
        assertTrue(ReportedGate.parse("{\"time\": 1, \"pid\": 2, \"pause\": \"lockwatch-migration\"}", 1024).isEmpty());
        assertTrue(ReportedGate.parse("{\"pid\": 2, \"pause\": \"lw|1|start|0||||ALTER TABLE\"}", 1024).isEmpty());
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
