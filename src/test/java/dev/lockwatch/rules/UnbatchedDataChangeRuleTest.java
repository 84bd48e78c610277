package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.ProductionEstimate;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UnbatchedDataChangeRuleTest {
    private final UnbatchedDataChangeRule rule = new UnbatchedDataChangeRule();

    @Test
    void aBackfillOverTheThresholdIsFlaggedWithItsRows() {
        List<Finding> findings = rule.check(Runs.revision().existing("orders", 50_000)
                .dml("UPDATE", "orders", 50_000, null).run());

        assertEquals(1, findings.size());
        assertEquals(Optional.of(TableRef.parse("public.orders")), findings.get(0).table());
        assertTrue(findings.get(0).message().startsWith("UPDATE changed 50,000 rows of public.orders in one statement"),
                findings.get(0).message());
        assertTrue(findings.get(0).hint().orElseThrow().contains("autocommit_block"),
                findings.get(0).hint().orElseThrow());
    }

    @Test
    void aBatchUnderTheThresholdIsNot() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 50_000)
                .dml("DELETE", "orders", 10_000, null).run()));
    }

    @Test
    void productionsSizeDecidesWhenTableStatsAreGiven() {
        List<Finding> findings = rule.check(Runs.revision().existing("orders", 1_000)
                .dml("UPDATE", "orders", 1_000, new ProductionEstimate(1_000, 2_000_000, 40)).run());

        assertEquals(1, findings.size());
        assertTrue(findings.get(0).message().contains("about 2.0 M at production's size"), findings.get(0).message());
    }

    @Test
    void theThresholdIsTheUsers() {
        assertEquals(1, new UnbatchedDataChangeRule(100).check(Runs.revision().existing("orders", 1_000)
                .dml("UPDATE", "orders", 1_000, null).run()).size());
    }

    @Test
    void aTableTheRevisionCreatedIsNotBusy() {
        assertEquals(List.of(), rule.check(Runs.revision().created("staging")
                .dml("UPDATE", "staging", 1_000_000, null).run()));
    }

    @Test
    void insertsAreNotBackfillsOfExistingRows() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 1_000)
                .dml("INSERT", "orders", 1_000_000, null).run()));
    }
}
