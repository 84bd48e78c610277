package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnumValueInTransactionRuleTest {
    private final EnumValueInTransactionRule rule = new EnumValueInTransactionRule();
    private static final String ADD = "ALTER TYPE status ADD VALUE 'archived'";

    @Test
    void usingTheNewValueInTheSameTransactionIsAnError() {
        List<Finding> findings = rule.check(Runs.revision().existing("orders", 1000)
                .statement(ADD, "ALTER TYPE", 1)
                .failed("psycopg2.errors.UnsafeNewEnumValueUsage: unsafe use of new value \"archived\" of enum type status")
                .run());

        assertEquals(1, findings.size());
        assertEquals(ADD, findings.get(0).statement().orElseThrow());
        assertTrue(findings.get(0).hint().orElseThrow().contains("autocommit_block"),
                findings.get(0).hint().orElseThrow());
        assertTrue(findings.get(0).hint().orElseThrow().contains("later revision"),
                findings.get(0).hint().orElseThrow());
    }

    @Test
    void beforePostgres12AnyAddValueInATransactionFails() {
        List<Finding> findings = rule.check(Runs.revision().onServer(11)
                .failed("psycopg2.errors.ActiveSqlTransaction: ALTER TYPE ... ADD cannot run inside a transaction block")
                .run());

        assertEquals(1, findings.size());
        assertTrue(findings.get(0).message().contains("PostgreSQL 11"), findings.get(0).message());
    }

    @Test
    void addingAValueThatCommitsBeforeUseIsFine() {
        assertEquals(List.of(), rule.check(Runs.revision().statement(ADD, "ALTER TYPE", 1).run()));
    }

    @Test
    void otherFailuresAreMigrationFailedAlone() {
        assertEquals(List.of(), rule.check(Runs.revision().statement(ADD, "ALTER TYPE", 1)
                .failed("psycopg2.errors.DuplicateObject: enum label \"archived\" already exists").run()));
    }
}
