package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DomainConstraintScanRuleTest {
    private final DomainConstraintScanRule rule = new DomainConstraintScanRule();

    @Test
    void aValidatingDomainConstraintScansEachBusyTableUsingIt() {
        List<Finding> findings = rule.check(Runs.revision().existing("customers", 100).existing("orders", 1000)
                .statement("ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)", "ALTER DOMAIN", 1,
                        "customers SHARE", "orders SHARE").run());

        assertEquals(List.of(TableRef.parse("public.customers"), TableRef.parse("public.orders")),
                findings.stream().map(f -> f.table().orElseThrow()).toList());
        assertEquals(Optional.of(LockMode.SHARE), findings.get(1).lock());
        assertTrue(findings.get(1).hint().orElseThrow().contains("NOT VALID"), findings.get(1).hint().orElseThrow());
    }

    @Test
    void notValidLocksNoTableAndIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 1000)
                .statement("ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID",
                        "ALTER DOMAIN", 1).run()));
    }

    @Test
    void aTableTheRevisionCreatedIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().created("shipments")
                .statement("ALTER DOMAIN positive SET NOT NULL", "ALTER DOMAIN", 1, "shipments SHARE").run()));
    }
}
