package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.TableRef;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LockTimeBudgetRuleTest {
    private final LockTimeBudgetRule rule = new LockTimeBudgetRule();

    @Test
    void locksOfOneTransactionCountOnceWithTheLongest() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 1000).existing("customers", 100)
                .estimated("CREATE INDEX", 1, "orders", LockMode.SHARE, 4000)
                .estimated("ALTER TABLE", 1, "customers", LockMode.ACCESS_EXCLUSIVE, 3000).run()));
    }

    @Test
    void transactionsOneAfterAnotherAddUpOverTheBudget() {
        List<Finding> findings = rule.check(Runs.revision().existing("orders", 1000).existing("customers", 100)
                .estimated("CREATE INDEX", 1, "orders", LockMode.SHARE, 4000)
                .estimated("ALTER TABLE", 2, "customers", LockMode.ACCESS_EXCLUSIVE, 3000).run());

        assertEquals(1, findings.size());
        Finding finding = findings.get(0);
        assertEquals(Optional.of(TableRef.parse("public.orders")), finding.table());
        assertTrue(finding.message().contains("about 7 s"), finding.message());
        assertTrue(finding.message().contains("4 s of SHARE on public.orders (CREATE INDEX) + 3 s of ACCESS EXCLUSIVE "
                + "on public.customers (ALTER TABLE)"), finding.message());
    }

    @Test
    void theBudgetIsTheUsers() {
        assertEquals(List.of(), new LockTimeBudgetRule(Duration.ofSeconds(10)).check(Runs.revision()
                .existing("orders", 1000).estimated("CREATE INDEX", 1, "orders", LockMode.SHARE, 6000)
                .estimated("CREATE INDEX", 2, "orders", LockMode.SHARE, 3000).run()));
    }

    @Test
    void locksThatLetWritesThroughAndTablesTheRevisionCreatedDoNotCount() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 1000).created("shipments")
                .estimated("CREATE INDEX", 1, "orders", LockMode.SHARE_UPDATE_EXCLUSIVE, 60_000)
                .estimated("CREATE INDEX", 2, "shipments", LockMode.SHARE, 60_000).run()));
    }

    @Test
    void withoutProductionStatisticsThereIsNothingToEstimate() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 1000)
                .statement("CREATE INDEX ix ON orders (id)", "CREATE INDEX", 1, "orders SHARE").run()));
    }
}
