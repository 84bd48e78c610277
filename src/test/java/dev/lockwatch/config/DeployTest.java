package dev.lockwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.config.VerifyConfig.Deploy;
import org.junit.jupiter.api.Test;

/** The one definition of a deploy: how revisions are upgraded and which tables are busy follow from it together. */
class DeployTest {

    @Test
    void withoutABaselineEachRevisionIsItsOwnDeploy() {
        Deploy each = Deploy.of(false, false);
        assertEquals(Deploy.EACH_REVISION, each);
        assertTrue(each.busyPerRevision());
        assertFalse(each.oneUpgrade());
        assertEquals(Deploy.EACH_REVISION, Deploy.of(false, true));
    }

    @Test
    void aBaselineMakesThePendingRevisionsOneDeploy() {
        Deploy together = Deploy.of(true, false);
        assertTrue(together.oneUpgrade());
        assertFalse(together.busyPerRevision());
    }

    @Test
    void stepIsolatesEachRevisionOfTheSameDeploy() {
        Deploy stepped = Deploy.of(true, true);
        assertFalse(stepped.oneUpgrade());
        assertFalse(stepped.busyPerRevision(), "still one deploy: the tables at the baseline are busy");
    }
}
