package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NonConcurrentMatviewRefreshRuleTest {
    private final NonConcurrentMatviewRefreshRule rule = new NonConcurrentMatviewRefreshRule();

    private Runs withView() {
        return Runs.revision().existing("orders", 1000).existing("order_totals", "materialized view", 100);
    }

    @Test
    void plainRefreshOfABusyViewIsFlagged() {
        List<Finding> findings = rule.check(withView().statement("REFRESH MATERIALIZED VIEW order_totals",
                "REFRESH MATERIALIZED VIEW", 1, "order_totals ACCESS EXCLUSIVE", "orders ACCESS SHARE").run());

        assertEquals(1, findings.size());
        assertEquals(Optional.of(TableRef.parse("public.order_totals")), findings.get(0).table());
        assertTrue(findings.get(0).hint().orElseThrow().contains("CONCURRENTLY"), findings.get(0).hint().orElseThrow());
    }

    @Test
    void pollingSeesOnlyTheFirstWordOfTheTagAndStillCounts() {
        assertEquals(1, rule.check(withView().statement("REFRESH MATERIALIZED VIEW order_totals", "REFRESH", 1,
                "order_totals ACCESS EXCLUSIVE").run()).size());
    }

    @Test
    void concurrentRefreshLetsReadsThrough() {
        assertEquals(List.of(), rule.check(withView().statement("REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals",
                "REFRESH MATERIALIZED VIEW", 1, "order_totals EXCLUSIVE").run()));
    }

    @Test
    void refreshingAViewTheRevisionCreatedIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().created("order_totals").statement(
                "REFRESH MATERIALIZED VIEW order_totals", "REFRESH MATERIALIZED VIEW", 1,
                "order_totals ACCESS EXCLUSIVE").run()));
    }
}
