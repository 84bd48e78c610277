package dev.lockwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.ConstraintSchema;
import dev.lockwatch.model.Finding;
import dev.lockwatch.model.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * constraint-validation from the catalogs, as best-effort capture (polling alone) judges it: an error only on a
 * write-blocking lock polling saw held while the validating statement ran; what it did not see is a warning or
 * nothing.
 */
class ConstraintValidationPollingTest {
    private final ConstraintValidationRule rule = new ConstraintValidationRule();

    private static ConstraintSchema fk(boolean validated) {
        return new ConstraintSchema("fk_orders_customer", ConstraintSchema.Kind.FOREIGN_KEY, validated,
                "FOREIGN KEY (customer_id) REFERENCES customers(id)", List.of("customer_id"), Runs.table("customers"));
    }

    private static Runs validatedLater() {
        return Runs.revision().existing("customers", 100).existing("orders", List.of(fk(false)), List.of(fk(true)));
    }

    private static final String VALIDATE = "ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer";

    @Test
    void aValidateConstraintPollingDidNotSeeIsNoFinding() {
        assertEquals(List.of(), rule.check(validatedLater().run()));
    }

    @Test
    void aWriteBlockingLockPollingPairedWithTheValidateItselfIsAWarningThatSaysSo() {
        List<Finding> findings = rule.check(validatedLater()
                .statement(VALIDATE, "ALTER TABLE", 1, "orders SHARE ROW EXCLUSIVE").run());

        assertEquals(List.of(Severity.WARNING), findings.stream().map(Finding::severity).toList(), findings.toString());
        assertTrue(findings.get(0).message().contains("best-effort"), findings.get(0).message());
    }

    @Test
    void anEarlierStatementPollingSawHoldingWritesOffIsStillAnError() {
        List<Finding> findings = rule.check(validatedLater()
                .statement("ALTER TABLE orders ADD COLUMN note text", "ALTER TABLE", 1, "orders ACCESS EXCLUSIVE")
                .statement(VALIDATE, "ALTER TABLE", 1, "orders SHARE UPDATE EXCLUSIVE").run());

        assertEquals(List.of(Severity.ERROR), findings.stream().map(Finding::severity).toList(), findings.toString());
    }

    @Test
    void aForeignKeyAddedValidatedIsAnErrorWhenSeenAndAWarningWhenNot() {
        Runs added = Runs.revision().existing("customers", 100).existing("orders", List.of(), List.of(fk(true)));
        assertEquals(List.of(Severity.WARNING), rule.check(added.run()).stream().map(Finding::severity).toList());

        List<Finding> seen = rule.check(Runs.revision().existing("customers", 100)
                .existing("orders", List.of(), List.of(fk(true)))
                .statement("ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) "
                        + "REFERENCES customers (id)", "ALTER TABLE", 1, "orders SHARE ROW EXCLUSIVE").run());
        assertEquals(List.of(Severity.ERROR), seen.stream().map(Finding::severity).toList(), seen.toString());
    }
}
