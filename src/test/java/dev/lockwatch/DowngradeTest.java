package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The downgrade round trip, end to end: upgrade, alembic downgrade one step, upgrade again; downgrade-failed and
 * downgrade-incomplete, on lines and on branches and merges.
 */
class DowngradeTest {
    private static final String ADD = "op.execute(\"SET lock_timeout = '3s'\")\nop.add_column('orders', sa.Column('status', sa.String(10)))";
    private static final String DROP = "op.drop_column('orders', 'status')";
    private static final String NEXT = "op.execute(\"SET lock_timeout = '3s'\")\nop.add_column('customers', sa.Column('vip', sa.Boolean))";
    private static final String TABLE = "op.create_table('t_%1$s', sa.Column('id', sa.Integer, primary_key=True))";
    private static final String DROP_TABLE = "op.drop_table('t_%1$s')";

    @TempDir
    Path dir;

    private Result verify(String downgrade, String... extra) {
        AlembicProject project = AlembicProject.shop(dir, "r1").revision("r2", "r1", ADD, downgrade)
                .revision("r3", "r2", NEXT, "op.drop_column('customers', 'vip')");
        List<String> args = new java.util.ArrayList<>(List.of("--from", "r1"));
        args.addAll(List.of(extra));
        return Lockwatch.verify(project, args.toArray(String[]::new));
    }

    private static JsonNode downgrade(Result result, String revision) {
        return result.revision(revision).get("downgrade");
    }

    @Test
    void aDowngradeThatUndoesTheUpgradePasses() {
        Result result = verify(DROP, "--step"); // deployed together, r2's lock is held through r3: not this test's point

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("passed", downgrade(result, "r2").get("outcome").asText());
        assertEquals("alembic downgrade r2@-1", downgrade(result, "r2").get("command").asText());
        assertEquals(List.of(), result.rules("r2"));
        assertEquals("applied", result.revision("r3").get("status").asText());
        assertTrue(result.err().contains("downgrade round trip passed"), result.err());
    }

    @Test
    void aDowngradeThatFailsIsAnErrorAndTheChainGoesOn() {
        Result result = verify("op.drop_column('orders', 'no_such_column')");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "downgrade-failed");
        assertEquals("error", finding.get("severity").asText());
        assertTrue(finding.get("message").asText().contains("no_such_column"), finding.toString());
        assertEquals(false, downgrade(result, "r2").get("chain_stopped").asBoolean());
        assertEquals("applied", result.revision("r3").get("status").asText(), "the failed downgrade rolled back");
        assertEquals("passed", downgrade(result, "r3").get("outcome").asText());
    }

    @Test
    void aDowngradeThatDoesNothingAfterDdlFailsTheUpgradeAgainAndIsStampedBack() {
        Result result = verify("pass");

        assertEquals(1, result.exitCode(), "upgrading again fails: " + result.describe());
        JsonNode finding = result.finding("r2", "downgrade-failed");
        String message = finding.get("message").asText();
        assertTrue(message.startsWith("alembic upgrade r2 failed when run again after alembic downgrade r2@-1: "), message);
        assertTrue(message.contains("column public.orders.status: added"), message);
        assertEquals(List.of(), result.findings("r2", "downgrade-incomplete"));
        assertEquals("stamp", downgrade(result, "r2").get("restored").asText());
        assertEquals("applied", result.revision("r3").get("status").asText());
        assertEquals("passed", downgrade(result, "r3").get("outcome").asText());
    }

    @Test
    void anEnumTypeLeftBehindBreaksTheUpgradeAgain() {
        Result result = Lockwatch.verifyOnShop(dir, """
                op.create_table('tickets', sa.Column('id', sa.Integer, primary_key=True),
                                sa.Column('state', sa.Enum('open', 'closed', name='ticket_state')))
                """, "op.drop_table('tickets')");

        String message = result.finding("r2", "downgrade-failed").get("message").asText();
        assertTrue(message.contains("type \"ticket_state\" already exists"), message);
        assertTrue(message.contains("enum type public.ticket_state: added"), message);
    }

    @Test
    void aPartialDowngradeThatBreaksTheUpgradeIsReplayedAndTheChainGoesOn() {
        Result result = Lockwatch.verify(AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", ADD + "\n" + TABLE.formatted("tags"), DROP)
                .revision("r3", "r2", NEXT, "op.drop_column('customers', 'vip')"), "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r2", "downgrade-failed");
        String message = finding.get("message").asText();
        assertTrue(message.startsWith("alembic upgrade r2 failed when run again after alembic downgrade r2@-1: "), message);
        assertTrue(message.contains("table public.t_tags: added") && message.contains("rebuilt the database"), message);
        assertEquals("replay", downgrade(result, "r2").get("restored").asText());
        assertEquals("applied", result.revision("r3").get("status").asText());
        assertEquals("passed", downgrade(result, "r3").get("outcome").asText());
    }

    /** One-way on purpose (r2, r5), {@code pass} after DDL (r3), failing by accident (r4), leaving a table (r6). */
    static AlembicProject oneWayPassAndBroken(Path dir) {
        return AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", TABLE.formatted("a"), "raise RuntimeError('r2 is one-way: it merges accounts')")
                .revision("r3", "r2", TABLE.formatted("b"), "pass")
                .revision("r4", "r3", TABLE.formatted("c") + "\nop.create_index('ix_c', 't_c', ['id'])",
                        "op.drop_constraint(None, 't_c')")
                .revision("r5", "r4", TABLE.formatted("d"), "raise NotImplementedError()")
                .revision("r6", "r5", TABLE.formatted("e") + "\n" + TABLE.formatted("f"), DROP_TABLE.formatted("e"))
                .revision("r7", "r6", TABLE.formatted("g"), DROP_TABLE.formatted("g"));
    }

    @Test
    void aChainWithOneWayPassAndBrokenDowngradesIsVerifiedToItsHeadInOneRun() {
        Result result = Lockwatch.verify(oneWayPassAndBroken(dir), "--from", "r1");

        for (String id : List.of("r2", "r3", "r4", "r5", "r6", "r7")) {
            assertEquals("applied", result.revision(id).get("status").asText(), id + ": " + result.describe());
        }
        assertEquals("one-way", downgrade(result, "r2").get("outcome").asText(), result.describe());
        JsonNode oneWay = result.finding("r2", "downgrade-one-way");
        assertEquals("warning", oneWay.get("severity").asText());
        assertTrue(oneWay.get("message").asText().contains("r2 is one-way"), oneWay.toString());
        assertEquals(List.of("downgrade-one-way"), result.rules("r2"));
        assertEquals("one-way", downgrade(result, "r5").get("outcome").asText());
        assertEquals("upgrading again after the downgrade", downgrade(result, "r3").get("failed_step").asText());
        assertEquals("stamp", downgrade(result, "r3").get("restored").asText());
        assertEquals("alembic downgrade", downgrade(result, "r4").get("failed_step").asText(), "an accident, not a raise");
        assertEquals(List.of("downgrade-failed"), result.rules("r4"));
        assertEquals("replay", downgrade(result, "r6").get("restored").asText());
        assertEquals("passed", downgrade(result, "r7").get("outcome").asText());
    }

    @Test
    void theLocksADowngradeTakesAreNotJudged() {
        AlembicProject project = AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", """
                        with op.get_context().autocommit_block():
                            op.create_index('ix_orders_customer_id', 'orders', ['customer_id'], postgresql_concurrently=True)
                        """, "op.drop_index('ix_orders_customer_id', table_name='orders')")
                .revision("r3", "r2", """
                        with op.get_context().autocommit_block():
                            op.drop_index('ix_orders_customer_id', table_name='orders', postgresql_concurrently=True)
                        """, "op.create_index('ix_orders_customer_id', 'orders', ['customer_id'])");

        Result result = Lockwatch.verify(project, "--from", "r2");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("passed", downgrade(result, "r3").get("outcome").asText());
        assertEquals(List.of(), result.rules("r3"), "the downgrade's plain CREATE INDEX is not held against r3");
    }

    @Test
    void theCheckCanBeTurnedOff() {
        Result result = verify("pass", "--no-downgrade-check");

        assertEquals("not-checked", downgrade(result, "r2").get("outcome").asText());
        assertEquals(List.of(), result.findings("r2", "downgrade-incomplete"));
    }

    @Test
    void branchesAndAMergeAreTakenBackOneRevisionAtATime() {
        AlembicProject project = AlembicProject.create(dir);
        for (String[] r : new String[][] {{"a0", null}, {"b1", "a0"}, {"c1", "a0"}}) {
            project.revision(r[0], r[1], TABLE.formatted(r[0]), DROP_TABLE.formatted(r[0]));
        }
        project.revision("m1", List.of("b1", "c1"), List.of(), TABLE.formatted("m1"), DROP_TABLE.formatted("m1"));

        Result result = Lockwatch.verify(project);

        assertEquals(0, result.exitCode(), result.describe());
        for (String id : List.of("a0", "b1", "c1", "m1")) {
            assertEquals("passed", downgrade(result, id).get("outcome").asText(), id + ": " + result.describe());
        }
        assertEquals("alembic downgrade c1@-1", downgrade(result, "c1").get("command").asText(), "b1 stays applied");
        assertEquals("alembic downgrade b1", downgrade(result, "m1").get("command").asText());
    }

    @Test
    void aMergeAlembicCannotTakeBackAloneIsSkippedWithANote() {
        AlembicProject project = AlembicProject.create(dir);
        for (String[] r : new String[][] {{"a0", null}, {"b1", "a0"}, {"b2", "b1"}, {"c1", "a0"}, {"c2", "c1"}}) {
            project.revision(r[0], r[1], TABLE.formatted(r[0]), DROP_TABLE.formatted(r[0]));
        }
        project.revision("m1", List.of("b1", "c1"), List.of(), TABLE.formatted("m1"), DROP_TABLE.formatted("m1"));

        Result result = Lockwatch.verify(project, "--to", "heads");

        assertEquals(0, result.exitCode(), result.describe());
        // alembic's own order decides whether b2 and c2 are applied when m1's round trip runs
        List<String> order = new java.util.ArrayList<>();
        result.json().get("revisions").forEach(r -> order.add(r.get("revision").asText()));
        if (order.indexOf("m1") > order.indexOf("b2") && order.indexOf("m1") > order.indexOf("c2")) {
            assertEquals("skipped", downgrade(result, "m1").get("outcome").asText());
            assertTrue(downgrade(result, "m1").get("detail").asText().contains("cannot take back merge revision m1 alone"),
                    result.describe());
        } else {
            assertEquals("passed", downgrade(result, "m1").get("outcome").asText(), order + ": " + result.describe());
        }
        assertEquals("passed", downgrade(result, "c2").get("outcome").asText());
        assertEquals(List.of(), result.json().get("chain_findings").findValuesAsText("rule"), "--to heads asked for all");
    }
}
