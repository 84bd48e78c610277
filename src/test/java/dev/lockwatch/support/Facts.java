package dev.lockwatch.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;

/** What every lock finding must tell: table, lock and what it blocks, statement, how long, rows, and a fix. */
public final class Facts {
    private Facts() {
    }

    public static void assertFacts(JsonNode finding, String table, String lock, long rows, String hintFragment) {
        String where = finding.toPrettyString();
        assertEquals(table, finding.get("table").asText(), where);
        assertEquals(lock, finding.get("lock").asText(), where);
        assertFalse(finding.get("blocks").isNull(), where);
        assertTrue(finding.get("statement").isTextual() && !finding.get("statement").asText().isBlank(), where);
        assertTrue(finding.get("held_ms").isNumber(), where);
        assertEquals(rows, finding.get("rows").asLong(), where);
        assertFalse(finding.get("rows_estimated").asBoolean(), where);
        String message = finding.get("message").asText();
        assertTrue(message.contains(table) && message.contains(lock) && message.contains(String.format("%,d rows", rows))
                && message.contains(finding.get("blocks").asText()), "message lacks table, lock, rows or impact: " + where);
        assertTrue(finding.get("hint").asText().contains(hintFragment), "hint lacks '" + hintFragment + "': " + where);
    }
}
