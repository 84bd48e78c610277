package dev.lockwatch.model;

import static dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.ACCESS_SHARE;
import static dev.lockwatch.model.LockMode.ROW_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE;
import static dev.lockwatch.model.LockMode.SHARE_ROW_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE_UPDATE_EXCLUSIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Lock modes, in memory: PostgreSQL's table of conflicts, and what a transaction's held locks let through. */
class LockModeTest {
    /** How many modes each conflicts with, as the "Conflicting Lock Modes" table of the documentation counts. */
    @Test
    void conflictsAsPostgresDocumentsThem() {
        int[] conflicting = {1, 2, 4, 5, 5, 6, 7, 8};
        for (LockMode mode : LockMode.values()) {
            long count = java.util.Arrays.stream(LockMode.values()).filter(mode::conflictsWith).count();
            assertEquals(conflicting[mode.ordinal()], count, mode.name());
            for (LockMode other : LockMode.values()) {
                assertEquals(mode.conflictsWith(other), other.conflictsWith(mode), mode + " " + other);
            }
        }
        assertFalse(SHARE.conflictsWith(SHARE));
        assertTrue(SHARE_UPDATE_EXCLUSIVE.conflictsWith(SHARE_UPDATE_EXCLUSIVE));
    }

    @Test
    void aHeldLockLetsThroughWhatNoOtherHolderCanBlock() {
        assertTrue(SHARE.grantedAlongside(List.of(ACCESS_EXCLUSIVE)), "nobody else holds anything");
        assertTrue(SHARE.grantedAlongside(List.of(SHARE_ROW_EXCLUSIVE)), "others hold at most ROW SHARE");
        assertFalse(SHARE_UPDATE_EXCLUSIVE.grantedAlongside(List.of(SHARE)), "another SHARE holder blocks it");
        assertFalse(ROW_EXCLUSIVE.grantedAlongside(List.of(SHARE)), "another SHARE holder blocks it");
        assertFalse(SHARE.grantedAlongside(List.of()), "nothing held");
        assertTrue(ACCESS_SHARE.grantedAlongside(List.of(ROW_EXCLUSIVE)));
        assertTrue(ROW_EXCLUSIVE.grantedAlongside(List.of(SHARE, SHARE_UPDATE_EXCLUSIVE)),
                "held together, nobody else can hold SHARE");
    }
}
