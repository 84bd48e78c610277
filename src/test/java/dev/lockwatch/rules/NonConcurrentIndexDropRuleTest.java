package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NonConcurrentIndexDropRuleTest {
    private final NonConcurrentIndexDropRule rule = new NonConcurrentIndexDropRule();

    @Test
    void plainDropOnABusyTableIsFlaggedWithItsLock() {
        List<Finding> findings = rule.check(Runs.revision().existing("orders", 1000)
                .statement("DROP INDEX ix_orders_customer", "DROP INDEX", 1, "orders ACCESS EXCLUSIVE").run());

        assertEquals(1, findings.size());
        Finding finding = findings.get(0);
        assertEquals(Optional.of(TableRef.parse("public.orders")), finding.table());
        assertEquals(Optional.of(LockMode.ACCESS_EXCLUSIVE), finding.lock());
        assertTrue(finding.message().contains("1,000 rows"), finding.message());
        assertTrue(finding.hint().orElseThrow().contains("postgresql_concurrently=True"), finding.hint().orElseThrow());
    }

    @Test
    void concurrentDropIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 1000)
                .statement("DROP INDEX CONCURRENTLY ix_orders_customer", "DROP INDEX", 1, "orders SHARE UPDATE EXCLUSIVE")
                .run()));
    }

    @Test
    void droppingAnIndexOfATableTheRevisionCreatedIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().created("shipments")
                .statement("DROP INDEX ix_shipments", "DROP INDEX", 1, "shipments ACCESS EXCLUSIVE").run()));
    }

    @Test
    void otherCommandsTakingTheSameLockAreNotIndexDrops() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 10)
                .statement("ALTER TABLE orders DROP COLUMN note", "ALTER TABLE", 1, "orders ACCESS EXCLUSIVE").run()));
    }

    /** polar d54b19ea954c: the DROP TABLE that follows takes the same lock; it is backward-incompatible's finding. */
    @Test
    void anIndexDroppedBeforeItsTableIsNotTheProblem() {
        assertEquals(List.of(), rule.check(RunBuilder.run().table("pledges", "id", "deleted_at")
                .statement("DROP INDEX ix_pledges_deleted_at").lock("pledges", dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE)
                .statement("DROP TABLE pledges").lock("pledges", dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE)
                .droppedTable("pledges").build()));
    }

    @Test
    void anIndexDroppedFromATableTheDeployKeepsIsFlagged() {
        assertEquals(1, rule.check(RunBuilder.run().table("pledges", "id", "deleted_at")
                .statement("DROP INDEX ix_pledges_deleted_at").lock("pledges", dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE)
                .build()).size());
    }
}
