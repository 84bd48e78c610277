package dev.lockwatch.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Colour only on a terminal, and never when NO_COLOR is set to something (no-color.org). */
class ColourTest {
    @Test
    void terminalWithoutNoColour() {
        assertTrue(VerifyCommand.colour(Map.of(), true));
        assertTrue(VerifyCommand.colour(Map.of("NO_COLOR", ""), true), "an empty NO_COLOR does not count");
        assertFalse(VerifyCommand.colour(Map.of("NO_COLOR", "1"), true));
        assertFalse(VerifyCommand.colour(Map.of(), false), "a pipe or a file gets no colour");
    }
}
