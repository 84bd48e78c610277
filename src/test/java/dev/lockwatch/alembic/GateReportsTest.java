package dev.lockwatch.alembic;

import static dev.lockwatch.support.DriverClasses.driverClass;
import static dev.lockwatch.support.DriverClasses.runWithDriver;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's _GateReports, run alone: the gates a command reports go ahead of its answer in batches, each a line
 * that starts as {@link AlembicDriver} recognizes one, in the order they were reported; the answer takes the rest.
 */
class GateReportsTest {
    @Test
    void reportsGoAheadInBatchesAsTheJavaSideRecognizesThem(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("batches.py");
        Files.writeString(script, "import ast, json, sys\n" + driverClass("_GateReports", "{}") + """
                sent = []
                gates = namespace["_GateReports"](lambda message: sent.append(json.dumps(message)))
                for n in range(2 * gates.BATCH + 3):
                    gates.append('{"n": %d}' % n)
                for line in sent:
                    print(line)
                print(json.dumps(list(gates)))
                """);
        String[] lines = runWithDriver(script).split("\n");

        ObjectMapper json = new ObjectMapper();
        List<String> reported = new ArrayList<>();
        for (int i = 0; i < lines.length - 1; i++) {
            assertTrue(lines[i].startsWith(AlembicDriver.PART), lines[i]);
            json.readTree(lines[i]).get("gates").forEach(g -> reported.add(g.asText()));
        }
        assertEquals(2, lines.length - 1, "two full batches sent ahead");
        JsonNode rest = json.readTree(lines[lines.length - 1]);
        assertEquals(3, rest.size(), "the rest stays for the answer");
        rest.forEach(g -> reported.add(g.asText()));
        for (int n = 0; n < reported.size(); n++) {
            assertEquals("{\"n\": " + n + "}", reported.get(n), "in the order reported");
        }
    }
}
