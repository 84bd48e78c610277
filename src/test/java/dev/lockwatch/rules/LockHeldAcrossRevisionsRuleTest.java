package dev.lockwatch.rules;

import static dev.lockwatch.model.LockMode.ACCESS_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.ROW_EXCLUSIVE;
import static dev.lockwatch.model.LockMode.SHARE;
import static dev.lockwatch.rules.RunBuilder.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.model.Finding;
import dev.lockwatch.model.JointDeploy;
import dev.lockwatch.model.RevisionRun;
import dev.lockwatch.model.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** lock-held-across-revisions, in memory. */
class LockHeldAcrossRevisionsRuleTest {
    private final LockHeldAcrossRevisionsRule rule = new LockHeldAcrossRevisionsRule();

    /** A later revision of the same deploy backfilling another busy table while this one's lock is held. */
    private static JointDeploy backfillAfter() {
        Statement backfill = run().table("events", "id").statement("UPDATE events SET id = id")
                .lock("events", ROW_EXCLUSIVE).build().statements().get(0);
        return new JointDeploy("alembic upgrade r3", List.of(new JointDeploy.LaterStatement("r3", backfill)),
                Optional.empty());
    }

    /**
     * ADD COLUMN with a volatile default takes SHARE, then ACCESS EXCLUSIVE (pypi/warehouse): the lock the deploy holds
     * is the strong one, whichever order the statement's locks come in.
     */
    @Test
    void namesTheStrongestLockTheRevisionHolds() {
        RevisionRun run = run().table("release_files", "name")
                .statement("ALTER TABLE release_files ADD COLUMN id UUID DEFAULT gen_random_uuid()")
                .lock("release_files", SHARE).lock("release_files", ACCESS_EXCLUSIVE).build().withDeploy(backfillAfter());
        List<Finding> findings = rule.check(run);
        assertEquals(List.of(ACCESS_EXCLUSIVE), findings.stream().map(f -> f.lock().orElseThrow()).toList());
        assertTrue(findings.get(0).message().contains("It held ACCESS EXCLUSIVE"), findings.get(0).message());
    }

    /** The deploy's transaction already held it when this revision ran: the revision that took it has the finding. */
    @Test
    void notForALockAnEarlierRevisionTook() {
        RevisionRun run = run().table("orders", "id").statement("ALTER TABLE orders DROP COLUMN id")
                .lockHeldBefore("orders", ACCESS_EXCLUSIVE).build().withDeploy(backfillAfter());
        assertEquals(List.of(), rule.check(run));
    }

    @Test
    void notWhenNoLaterRevisionWorks() {
        RevisionRun run = run().table("orders", "id").statement("ALTER TABLE orders ADD COLUMN x int")
                .lock("orders", ACCESS_EXCLUSIVE).build();
        assertEquals(List.of(), rule.check(run));
    }
}
