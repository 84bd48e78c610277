package dev.lockwatch.rules;

import static dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE_ROW_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE_UPDATE_EXCLUSIVE;
import static dev.lockwatch.rules.RunBuilder.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.ConstraintSchema.Kind;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.LockMode;
import dev.lockwatch.model.TableRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** constraint-validation judged from statement effects, in memory. */
class ConstraintValidationRuleTest {
    private final ConstraintValidationRule rule = new ConstraintValidationRule();

    @Test
    void aForeignKeyReAddedUnderItsOldNameIsValidatedAgain() {
        List<Finding> findings = rule.check(run().table("parent", "id").table("child", "id", "parent_id")
                .statement("ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey").lock("child", ACCESS_EXCLUSIVE)
                .statement("ALTER TABLE child ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id)")
                .lock("child", SHARE_ROW_EXCLUSIVE).lock("parent", SHARE_ROW_EXCLUSIVE)
                .validated("child", Kind.FOREIGN_KEY, "child_parent_id_fkey", true).build());

        assertEquals(1, findings.size(), findings.toString());
        Finding finding = findings.get(0);
        assertEquals(Optional.of(TableRef.parse("public.child")), finding.table());
        assertEquals(Optional.of(LockMode.ACCESS_EXCLUSIVE), finding.lock()); // the DROP's lock, still held by the transaction
        assertTrue(finding.statement().orElseThrow().contains("ADD CONSTRAINT"), finding.statement().orElseThrow());
        assertTrue(finding.message().contains("public.parent"), finding.message());
    }

    @Test
    void aConstraintAddedNotValidIsNoScanAndValidatingItAloneTakesNoWriteBlockingLock() {
        assertEquals(List.of(), rule.check(run().table("orders", "id")
                .statement("ALTER TABLE orders ADD CONSTRAINT ck CHECK (id > 0) NOT VALID").lock("orders", ACCESS_EXCLUSIVE)
                .statement("ALTER TABLE orders VALIDATE CONSTRAINT ck").newTransaction().lock("orders", SHARE_UPDATE_EXCLUSIVE)
                .validated("orders", Kind.CHECK, "ck", false).build()));
    }

    @Test
    void validatingInTheAddsTransactionScansUnderTheAddsLock() {
        List<Finding> findings = rule.check(run().table("orders", "id")
                .statement("ALTER TABLE orders ADD CONSTRAINT ck CHECK (id > 0) NOT VALID").lock("orders", ACCESS_EXCLUSIVE)
                .statement("ALTER TABLE orders VALIDATE CONSTRAINT ck").lock("orders", SHARE_UPDATE_EXCLUSIVE)
                .validated("orders", Kind.CHECK, "ck", false).build());
        assertEquals(List.of(LockMode.ACCESS_EXCLUSIVE), findings.stream().map(f -> f.lock().orElseThrow()).toList());
    }

    @Test
    void setNotNullOnTwoTablesFlagsBoth() {
        List<Finding> findings = rule.check(run().table("a", "id", "x").table("b", "id", "x")
                .statement("ALTER TABLE a ALTER COLUMN x SET NOT NULL").lock("a", ACCESS_EXCLUSIVE).notNull("a", "x").scanned("a")
                .statement("ALTER TABLE b ALTER COLUMN x SET NOT NULL").lock("b", ACCESS_EXCLUSIVE).notNull("b", "x").scanned("b")
                .build());
        assertEquals(List.of(TableRef.parse("public.a"), TableRef.parse("public.b")),
                findings.stream().map(f -> f.table().orElseThrow()).toList());
    }

    @Test
    void setNotNullThatScannedNothingWasProvedByACheck() {
        assertEquals(List.of(), rule.check(run().table("a", "id", "x")
                .statement("ALTER TABLE a ALTER COLUMN x SET NOT NULL").lock("a", ACCESS_EXCLUSIVE).notNull("a", "x").build()));
    }

    @Test
    void notOnATableThatIsNotBusy() {
        assertEquals(List.of(), rule.check(run().quietTable("a", "id", "x")
                .statement("ALTER TABLE a ALTER COLUMN x SET NOT NULL").lock("a", ACCESS_EXCLUSIVE).notNull("a", "x")
                .scanned("a").build()));
    }

    @Test
    void workOnATableRenamedEarlierIsJudgedUnderItsNewName() {
        List<Finding> findings = rule.check(run().table("b", "id", "x")
                .statement("ALTER TABLE b RENAME TO b2").lock("b", ACCESS_EXCLUSIVE).renamed("b", "b2")
                .statement("ALTER TABLE b2 ALTER COLUMN x SET NOT NULL").lock("b", ACCESS_EXCLUSIVE).notNull("b", "x")
                .scanned("b").build());
        assertEquals(1, findings.size(), findings.toString());
    }

    @Test
    void aTypeChangeThatRewroteNothingButScannedReValidatedTheChecks() {
        ConstraintSchema check = new ConstraintSchema("ck_len", Kind.CHECK, true, "CHECK ((length(name) > 0))",
                List.of("name"), null);
        List<Finding> findings = rule.check(run().table("a", true, List.of(check), "id", "name")
                .statement("ALTER TABLE a ALTER COLUMN name TYPE varchar").lock("a", ACCESS_EXCLUSIVE)
                .typeChanged("a", "name", "text", "character varying").scanned("a").build());
        assertEquals(1, findings.size(), findings.toString());
        assertTrue(findings.get(0).message().contains("re-validated"), findings.get(0).message());

        assertEquals(List.of(), rule.check(run().table("a", "id", "name") // no CHECK: nothing to re-validate
                .statement("ALTER TABLE a ALTER COLUMN name TYPE varchar").lock("a", ACCESS_EXCLUSIVE)
                .typeChanged("a", "name", "text", "character varying").build()));
    }

    @Test
    void hintsQuoteReservedWords() {
        List<Finding> findings = rule.check(run().table("user", "id", "x")
                .statement("ALTER TABLE \"user\" ADD CONSTRAINT ck CHECK (x <> '')").lock("user", ACCESS_EXCLUSIVE)
                .validated("user", Kind.CHECK, "ck", true).build());
        assertTrue(findings.get(0).hint().orElseThrow().contains("op.execute('ALTER TABLE \"user\" VALIDATE CONSTRAINT ck')"),
                
                findings.get(0).hint().orElseThrow());
    }
}
