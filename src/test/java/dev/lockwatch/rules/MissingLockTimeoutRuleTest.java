package dev.lockwatch.rules;

import static dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE;
import static dev.lockwatch.rules.RunBuilder.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** missing-lock-timeout, in memory. */
class MissingLockTimeoutRuleTest {
    private final MissingLockTimeoutRule rule = new MissingLockTimeoutRule();

    @Test
    void namesTheStrongestLockTheStatementAskedFor() {
        List<Finding> findings = rule.check(run().table("orders", "id")
                .statement("ALTER TABLE orders ADD CONSTRAINT u UNIQUE (id)").lock("orders", SHARE)
                .lock("orders", ACCESS_EXCLUSIVE).build());
        assertEquals(List.of(LockMode.ACCESS_EXCLUSIVE), findings.stream().map(f -> f.lock().orElseThrow()).toList());
    }

    /** An earlier revision of the deploy took the lock: this request could not queue, the finding is that revision's. */
    @Test
    void notForALockTheTransactionAlreadyHeld() {
        assertEquals(List.of(), rule.check(run().table("orders", "id")
                .statement("CREATE INDEX ix ON orders (id)").lockHeldBefore("orders", SHARE)
                .lockHeldBefore("orders", ACCESS_EXCLUSIVE).build()));
    }

    /**
     * warehouse 104b4c56862b: LOCK TABLE packages IN EXCLUSIVE MODE (writes wait), then ALTER TABLE packages (its
     * ACCESS EXCLUSIVE still queues behind every reader, and reads queue behind it): both, each once; a later
     * request that blocks no more than what was named is not named again.
     */
    @Test
    void againWhenALaterRequestOnTheTableAlsoBlocksReads() {
        List<Finding> findings = rule.check(run().table("orders", "id")
                .statement("LOCK TABLE orders IN EXCLUSIVE MODE").lock("orders", LockMode.EXCLUSIVE)
                .statement("CREATE INDEX ix ON orders (id)").lock("orders", SHARE)
                .statement("ALTER TABLE orders ADD COLUMN note text").lock("orders", ACCESS_EXCLUSIVE)
                .statement("ALTER TABLE orders ADD COLUMN more text").lock("orders", ACCESS_EXCLUSIVE).build());
        assertEquals(List.of(LockMode.EXCLUSIVE, LockMode.ACCESS_EXCLUSIVE),
                findings.stream().map(f -> f.lock().orElseThrow()).toList());
    }

    @Test
    void notWithATimeout() {
        assertEquals(List.of(), rule.check(run().table("orders", "id")
                .statement("TRUNCATE orders").lockTimeout(3000).lock("orders", ACCESS_EXCLUSIVE).build()));
    }
}
