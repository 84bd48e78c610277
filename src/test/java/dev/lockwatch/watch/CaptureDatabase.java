package dev.lockwatch.watch;

import dev.lockwatch.capture.Capture;
import dev.lockwatch.capture.GateProtocol;
import dev.lockwatch.support.SharedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.ArrayList;
import java.util.List;

/**
 * A database of the tests' shared server with lockwatch's capture over a schema of the test's own, and sessions that
 * report their gates in-band, as a judged migration's do: what the watch package's capture tests run on.
 */
final class CaptureDatabase {
    private CaptureDatabase() {
    }

    /**
     * The schema made again, with lockwatch's event triggers off while it is (so its DDL passes no gate), then the
     * capture installed.
     */
    static void reset(String database, String schema) throws SQLException {
        try (Connection c = SharedPostgres.connect(database); var s = c.createStatement()) {
            s.execute("drop event trigger if exists lockwatch_ddl_start; drop event trigger if exists lockwatch_ddl_end;"
                    + " drop event trigger if exists lockwatch_rewrite; drop event trigger if exists lockwatch_drop;");
            s.execute(schema);
            Capture.install(c, Capture.DEFAULT_VERSION_TABLE);
        }
    }

    /**
     * Runs the statements in one transaction of {@code connection}, reporting gates in-band: the gates' samples, in
     * order. The transaction stays open: the caller commits it or rolls it back.
     */
    static List<BackendSample> reportingGates(Connection connection, List<String> statements) throws SQLException {
        List<BackendSample> samples = new ArrayList<>();
        connection.setAutoCommit(false);
        ReportedGate reader = new ReportedGate(4096);
        try (var s = connection.createStatement()) {
            s.execute("set lockwatch.report = notice");
            for (String statement : statements) {
                s.execute(statement);
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    String notice = w.getMessage();
                    if (notice.startsWith(GateProtocol.NOTICE_PREFIX)) {
                        reader.parse(notice.substring(GateProtocol.NOTICE_PREFIX.length())).ifPresent(samples::add);
                    }
                }
                s.clearWarnings();
            }
        }
        return samples;
    }
}
