package dev.lockwatch.rules;

import static dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE;
import static dev.lockwatch.model.LockMode.SHARE_UPDATE_EXCLUSIVE;
import static dev.lockwatch.rules.RunBuilder.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** non-concurrent-index judged from statement effects, in memory. */
class NonConcurrentIndexRuleTest {
    private final NonConcurrentIndexRule rule = new NonConcurrentIndexRule();

    @Test
    void aPlainIndexBuildOnABusyTable() {
        List<Finding> findings = rule.check(run().table("orders", "id")
                .statement("CREATE INDEX ix ON orders (id)").lock("orders", SHARE).builtIndex("orders", "ix").build());
        assertEquals(List.of(LockMode.SHARE), findings.stream().map(f -> f.lock().orElseThrow()).toList());
    }

    @Test
    void aConcurrentBuildHoldsNoWriteBlockingLock() {
        assertEquals(List.of(), rule.check(run().table("orders", "id")
                .statement("CREATE INDEX CONCURRENTLY ix ON orders (id)").lock("orders", SHARE_UPDATE_EXCLUSIVE)
                .builtIndex("orders", "ix").build()));
    }

    @Test
    void aPrimaryKeyAfterARewriteInTheSameTransactionIsABuild() {
        List<Finding> findings = rule.check(run().table("user", "id", "v")
                .statement("ALTER TABLE \"user\" ALTER COLUMN v TYPE bigint").lock("user", ACCESS_EXCLUSIVE).rewrote("user")
                .builtIndex("user", "user_v_idx")
                .statement("ALTER TABLE \"user\" ADD PRIMARY KEY (id)").builtIndex("user", "user_pkey").build());
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(Optional.of(LockMode.ACCESS_EXCLUSIVE), findings.get(0).lock());
        assertTrue(findings.get(0).statement().orElseThrow().contains("PRIMARY KEY"));
        assertTrue(findings.get(0).hint().orElseThrow().contains("ALTER TABLE \\\"user\\\" ADD CONSTRAINT"),
                findings.get(0).hint().orElseThrow());
    }

    @Test
    void aBinaryCoercibleTypeChangeThatRebuiltNothingIsNoBuild() {
        assertEquals(List.of(), rule.check(run().table("a", "id", "name")
                .statement("ALTER TABLE a ALTER COLUMN name TYPE varchar").lock("a", ACCESS_EXCLUSIVE).lock("a", SHARE)
                .typeChanged("a", "name", "text", "character varying").build()));
    }

    @Test
    void notOnATableThatIsNotBusy() {
        assertEquals(List.of(), rule.check(run().quietTable("orders", "id")
                .statement("CREATE INDEX ix ON orders (id)").lock("orders", SHARE).builtIndex("orders", "ix").build()));
    }

    @Test
    void withoutReportedEffectsTheCommandsLockDecides() {
        List<Finding> findings = rule.check(run().table("orders", "id")
                .statement("REINDEX TABLE orders").lock("orders", SHARE).unknownEffects().build());
        assertEquals(1, findings.size(), findings.toString());
    }
}
