package dev.lockwatch.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PauseTest {
    @Test
    void parsesEveryEventCaptureSqlPublishes() {
        assertEquals(new Pause(1, Pause.Event.START, 3000, -1, -1, "", "ALTER TABLE"), Pause.parse("lw|1|start|3000||||ALTER TABLE").orElseThrow());
        assertEquals(new Pause(2, Pause.Event.END, 0, 1217, 16391, "", "CREATE INDEX"), Pause.parse("lw|2|end|0|1217|16391||CREATE INDEX").orElseThrow());
        assertEquals(new Pause(3, Pause.Event.REWRITE, 0, -1, 16400, "4", "ALTER TABLE"), Pause.parse("lw|3|rewrite|0||16400|4|ALTER TABLE").orElseThrow());
        assertEquals(Pause.Event.DML, Pause.parse("lw|4|dml|0||16398||UPDATE").orElseThrow().event());
        assertEquals(Pause.Event.VERSION, Pause.parse("lw|5|version|0||||UPDATE").orElseThrow().event());
    }

    @Test
    void aDmlGateTellsTheRowsItsStatementChanged() {
        Pause dml = Pause.parse("lw|4|dml|0||16398|600|UPDATE").orElseThrow();

        assertEquals(java.util.OptionalLong.of(600), dml.rowsChanged());
        assertEquals(java.util.Set.of(), dml.rebuiltTables(), "a dml gate's extra field is no list of tables");
        assertEquals(java.util.OptionalLong.empty(), Pause.parse("lw|4|dml|0||16398||UPDATE").orElseThrow().rowsChanged());
        assertEquals(java.util.OptionalLong.empty(), Pause.parse("lw|3|rewrite|0||16400|4|ALTER TABLE").orElseThrow()
                .rowsChanged());
    }

    @Test
    void anythingElseIsNotAPause() {
        assertTrue(Pause.parse("lockwatch-migration").isEmpty());
        assertTrue(Pause.parse("lw|x|end|0|1|2||T").isEmpty());
        assertTrue(Pause.parse("lw|1|start|0|||T").isEmpty());
        assertTrue(Pause.parse(null).isEmpty());
    }
}
