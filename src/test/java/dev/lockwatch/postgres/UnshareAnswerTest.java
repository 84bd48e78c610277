package dev.lockwatch.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zonky.test.db.postgres.util.LinuxUtils;
import org.junit.jupiter.api.Test;

/** lockwatch asks whether to run the server under {@code unshare -U} itself, and must answer as zonky does. */
class UnshareAnswerTest {

    @Test
    void theAnswerIsZonkys() {
        assertEquals(LinuxUtils.isUnshareAvailable(), DirectPostmaster.unshareWanted().join());
    }
}
