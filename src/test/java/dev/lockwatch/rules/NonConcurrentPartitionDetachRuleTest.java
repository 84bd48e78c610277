package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NonConcurrentPartitionDetachRuleTest {
    private final NonConcurrentPartitionDetachRule rule = new NonConcurrentPartitionDetachRule();

    private Runs partitioned() {
        return Runs.revision().existing("events", "partitioned table", 0).existing("events_2023", 500);
    }

    @Test
    void plainDetachLocksTheBusyParentAccessExclusive() {
        List<Finding> findings = rule.check(partitioned().ddl("ALTER TABLE events DETACH PARTITION events_2023",
                "ALTER TABLE", 1, "events", "events ACCESS EXCLUSIVE", "events_2023 ACCESS EXCLUSIVE").run());

        assertEquals(1, findings.size());
        assertEquals(Optional.of(TableRef.parse("public.events")), findings.get(0).table());
        assertTrue(findings.get(0).hint().orElseThrow().contains("CONCURRENTLY"), findings.get(0).hint().orElseThrow());
    }

    @Test
    void beforePostgres14TheHintSaysThereIsNoConcurrentDetach() {
        List<Finding> findings = rule.check(partitioned().onServer(13).ddl(
                "ALTER TABLE events DETACH PARTITION events_2023", "ALTER TABLE", 1, "events",
                "events ACCESS EXCLUSIVE").run());

        assertTrue(findings.get(0).hint().orElseThrow().contains("lock_timeout"), findings.get(0).hint().orElseThrow());
    }

    @Test
    void concurrentDetachIsNotFlagged() {
        assertEquals(List.of(), rule.check(partitioned().ddl(
                "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY", "ALTER TABLE", 1, "events",
                "events SHARE UPDATE EXCLUSIVE", "events_2023 ACCESS EXCLUSIVE").run()));
    }

    @Test
    void detachingFromAPartitionedTableTheRevisionCreatedIsNotFlagged() {
        assertEquals(List.of(), rule.check(Runs.revision().created("events").created("events_2023").ddl(
                "ALTER TABLE events DETACH PARTITION events_2023", "ALTER TABLE", 1, "events",
                "events ACCESS EXCLUSIVE").run()));
    }

    @Test
    void otherAlterTablesOnTheParentAreOtherRulesBusiness() {
        assertEquals(List.of(), rule.check(partitioned().ddl("ALTER TABLE events ADD COLUMN note text",
                "ALTER TABLE", 1, "events", "events ACCESS EXCLUSIVE").run()));
    }
}
