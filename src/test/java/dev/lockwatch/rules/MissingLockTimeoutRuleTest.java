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

    @Test
    void notWithATimeout() {
        assertEquals(List.of(), rule.check(run().table("orders", "id")
                .statement("TRUNCATE orders").lockTimeout(3000).lock("orders", ACCESS_EXCLUSIVE).build()));
    }
}
