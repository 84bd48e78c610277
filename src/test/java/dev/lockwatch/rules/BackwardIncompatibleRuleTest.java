package dev.lockwatch.rules;

import static dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.ROW_EXCLUSIVE;
import static dev.lockwatch.rules.RunBuilder.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** backward-incompatible, in memory: attribution to the statement that did it, types by identity. */
class BackwardIncompatibleRuleTest {
    private final BackwardIncompatibleRule rule = new BackwardIncompatibleRule();

    @Test
    void aDroppedColumnIsChargedToTheDropNotToAnEarlierUpdate() {
        List<Finding> findings = rule.check(run().table("orders", "id", "note")
                .statement("UPDATE orders SET note = NULL").lock("orders", ROW_EXCLUSIVE)
                .statement("ALTER TABLE orders DROP COLUMN note").lock("orders", ACCESS_EXCLUSIVE)
                .droppedColumn("orders", "note").build());
        assertEquals(1, findings.size(), findings.toString());
        assertTrue(findings.get(0).statement().orElseThrow().startsWith("ALTER TABLE"),
                findings.get(0).statement().orElseThrow());
        assertEquals(Optional.of(LockMode.ACCESS_EXCLUSIVE), findings.get(0).lock());
    }

    @Test
    void aRenamedTypeIsTheSameType() {
        RunBuilder run = run().table("c", "id", "m");
        long typeOid = 25; // the builder's columns are text (oid 25): the type keeps its oid under a new name
        assertEquals(List.of(),
                rule.check(run.statement("ALTER TYPE mood RENAME TO mood2").columnTypeAfter("c", "m", "mood2", typeOid)
                .build()));
    }

    @Test
    void aRenamedTableHintQuotesItsNames() {
        List<Finding> findings = rule.check(run().table("group", "id")
                .statement("ALTER TABLE \"group\" RENAME TO teams").lock("group", ACCESS_EXCLUSIVE).renamed("group", "teams")
                .build());
        assertEquals(1, findings.size(), findings.toString());
        assertTrue(findings.get(0).hint().orElseThrow().contains("CREATE VIEW \"group\" AS SELECT * FROM teams"),
                findings.get(0).hint().orElseThrow());
    }

    @Test
    void aColumnDroppedOnATableAnotherRevisionOfTheDeployTouchedIsFound() {
        List<Finding> findings = rule.check(run().table("users", "id", "bracket")
                .statement("ALTER TABLE users DROP COLUMN bracket").lock("users", ACCESS_EXCLUSIVE)
                .droppedColumn("users", "bracket").sharedWithAnotherRevision("users").build());
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(Optional.of("ALTER TABLE users DROP COLUMN bracket"), findings.get(0).statement());
        assertTrue(findings.get(0).message().contains("public.users.bracket was dropped"), findings.get(0).message());
    }

    @Test
    void aTableDroppedFromASharedTableIsCitedAtItsDrop() {
        List<Finding> findings = rule.check(run().table("pledges", "id")
                .statement("DROP INDEX ix_pledges").lock("pledges", ACCESS_EXCLUSIVE)
                .statement("DROP TABLE pledges").lock("pledges", ACCESS_EXCLUSIVE).droppedTable("pledges")
                .sharedWithAnotherRevision("pledges").build());
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(Optional.of("DROP TABLE pledges"), findings.get(0).statement());
    }

    @Test
    void aColumnTheDeployAddedAndDroppedAgainBreaksNothing() {
        // attnum 99: a column that did not exist before the deploy
        assertEquals(List.of(), rule.check(run().table("users", "id")
                .statement("ALTER TABLE users DROP COLUMN scratch").lock("users", ACCESS_EXCLUSIVE)
                .droppedColumn("users", "scratch").build()));
    }

    @Test
    void aQuietTableMayBeDropped() {
        assertEquals(List.of(), rule.check(run().quietTable("archive", "id")
                .statement("DROP TABLE archive").lock("archive", ACCESS_EXCLUSIVE).droppedTable("archive").build()));
    }

    @Test
    void aRequiredColumnAddedToASharedTableIsChargedToItsAddColumn() {
        List<Finding> findings = rule.check(run().table("challenges", "id")
                .statement("ALTER TABLE challenges ADD COLUMN logic VARCHAR(80) NOT NULL").lock("challenges", ACCESS_EXCLUSIVE)
                .addedColumn("challenges", "logic", true).sharedWithAnotherRevision("challenges").build());
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(Optional.of("ALTER TABLE challenges ADD COLUMN logic VARCHAR(80) NOT NULL"), findings.get(0).statement());
    }

    @Test
    void aRequiredColumnAnotherRevisionOfTheDeployAddedIsNotThisOnes() {
        assertEquals(List.of(), rule.check(run().table("challenges", "id")
                .statement("UPDATE challenges SET id = id").lock("challenges", ROW_EXCLUSIVE)
                .addedColumn("challenges", "logic", true).sharedWithAnotherRevision("challenges").build()));
    }
}
