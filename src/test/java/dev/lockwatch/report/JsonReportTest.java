package dev.lockwatch.report;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The JSON report of {@link ReportSample}, compared with a golden file: its field names and values are a public
 * contract (extend, never rename), so any difference must be a deliberate extension.
 */
class JsonReportTest {

    @Test
    void theJsonReport() throws IOException {
        HumanReportsTest.assertGolden("report.json", new JsonReporter());
    }
}
