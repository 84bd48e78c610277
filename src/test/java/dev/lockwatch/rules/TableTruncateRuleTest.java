package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.Severity;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TableTruncateRuleTest {
    private final TableTruncateRule rule = new TableTruncateRule();

    @Test
    void truncatingABusyTableIsAnErrorNamingTheRowsLost() {
        List<Finding> findings = rule.check(Runs.revision().existing("orders", 1000)
                .statement("TRUNCATE orders", "TRUNCATE", 1, "orders ACCESS EXCLUSIVE").run());

        assertEquals(1, findings.size());
        assertEquals(Severity.ERROR, findings.get(0).severity());
        assertEquals(Optional.of(LockMode.ACCESS_EXCLUSIVE), findings.get(0).lock());
        assertTrue(findings.get(0).message().startsWith("TRUNCATE emptied public.orders: the running application loses "
                + "every row it has, and the table was locked with ACCESS EXCLUSIVE, held 12 ms here with 1,000 rows"),
                findings.get(0).message());
    }

    @Test
    void cascadeReportsEveryBusyTableItEmptied() {
        List<Finding> findings = rule.check(Runs.revision().existing("customers", 100).existing("orders", 1000)
                .statement("TRUNCATE customers CASCADE", "TRUNCATE", 1, "customers ACCESS EXCLUSIVE",
                        "orders ACCESS EXCLUSIVE").run());

        assertEquals(List.of(TableRef.parse("public.customers"), TableRef.parse("public.orders")),
                findings.stream().map(f -> f.table().orElseThrow()).toList());
    }

    @Test
    void truncatingATableTheRevisionCreatedIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().created("staging")
                .statement("TRUNCATE staging", "TRUNCATE", 1, "staging ACCESS EXCLUSIVE").run()));
    }

    @Test
    void aDeleteIsNoTruncate() {
        assertEquals(List.of(), rule.check(Runs.revision().existing("orders", 1000)
                .statement("DELETE FROM orders", "DELETE", 1, "orders ROW EXCLUSIVE").run()));
    }

    @Test
    void theHintQuotesAReservedWordTableAsSqlNeeds() {
        List<Finding> findings = rule.check(Runs.revision().existing("user", 10)
                .statement("TRUNCATE \"user\"", "TRUNCATE", 1, "user ACCESS EXCLUSIVE").run());

        assertTrue(findings.get(0).hint().orElseThrow().contains("op.execute('DELETE FROM \"user\" WHERE id IN (SELECT id FROM \"user\" "
                + "WHERE ... LIMIT 10000)')"), findings.get(0).hint().orElseThrow());
    }
}
