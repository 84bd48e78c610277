package dev.lockwatch.rules;

import static dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE_ROW_EXCLUSIVE;
import static dev.lockwatch.rules.RunBuilder.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.Finding;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** foreign-key-without-index, in memory: the key a statement created, judged on the table as the deploy left it. */
class ForeignKeyWithoutIndexRuleTest {
    private final ForeignKeyWithoutIndexRule rule = new ForeignKeyWithoutIndexRule();

    private static RunBuilder addKey() {
        return run().table("parent", "id").table("child", "id", "parent_id")
                .statement("ALTER TABLE child ADD COLUMN parent_id integer").lock("child", ACCESS_EXCLUSIVE)
                .statement("ALTER TABLE child ADD FOREIGN KEY(parent_id) REFERENCES parent (id)")
                .lock("child", SHARE_ROW_EXCLUSIVE).createdForeignKey("child", 500, "child_parent_id_fkey", "parent_id");
    }

    @Test
    void anUnnamedKeyIsCitedAtTheStatementThatCreatedItNotTheAddColumn() {
        List<Finding> findings = rule.check(addKey().build());
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(Optional.of("ALTER TABLE child ADD FOREIGN KEY(parent_id) REFERENCES parent (id)"), findings.get(0).statement());
        assertTrue(findings.get(0).message().contains("child_parent_id_fkey (parent_id) of public.child"),
                findings.get(0).message());
    }

    @Test
    void aKeyOnATableAnotherRevisionOfTheDeployTouchedIsFound() {
        assertEquals(1, rule.check(addKey().sharedWithAnotherRevision("child").build()).size());
    }

    @Test
    void anIndexTheDeployBuildsLaterCounts() {
        assertEquals(List.of(), rule.check(addKey().sharedWithAnotherRevision("child")
                .indexAfter("child", "ix_child_parent_id", "parent_id").build()));
    }

    @Test
    void anIndexLeadingWithOtherColumnsDoesNotCount() {
        assertEquals(1, rule.check(addKey().indexAfter("child", "ix_child_id_parent", "id", "parent_id").build()).size());
    }

    @Test
    void aKeyDroppedAndAddedAgainOnTheSameColumnsIsNotNew() {
        assertEquals(List.of(), rule.check(run().table("parent", "id")
                .table("child", true, List.of(new ConstraintSchema("child_parent_id_fkey", ConstraintSchema.Kind.FOREIGN_KEY,
                        true, "FOREIGN KEY (parent_id) REFERENCES parent(id)", List.of("parent_id"),
                        dev.lockwatch.model.TableRef.parse("parent"), 400)), "id", "parent_id")
                .statement("ALTER TABLE child ADD CONSTRAINT child_parent_id_fkey2 FOREIGN KEY(parent_id) REFERENCES parent (id)")
                .lock("child", SHARE_ROW_EXCLUSIVE).createdForeignKey("child", 501, "child_parent_id_fkey2", "parent_id")
                .build()));
    }
}
