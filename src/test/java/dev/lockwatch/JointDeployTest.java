package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With --from, the pending revisions are verified as the deploy runs them: one alembic upgrade through the
 * project's env.py. Findings only the joint deploy has, env.py's transaction handling followed, --step as before.
 */
class JointDeployTest {
    private static final String TIMEOUT = "op.execute(\"SET lock_timeout = '3s'\")\n";
    private static final String ADD_VIP = TIMEOUT + "op.add_column('customers', sa.Column('vip', sa.Boolean))";
    private static final String BACKFILL = TIMEOUT + "op.execute('UPDATE orders SET qty = qty + 1')";

    @TempDir
    Path dir;

    private AlembicProject shop(String envOptions) {
        return AlembicProject.create(dir, AlembicProject.ENV_FROM_INI.formatted(envOptions))
                .revision("r1", null, AlembicProject.SHOP, "op.drop_table('orders')\nop.drop_table('customers')");
    }

    private static List<String> sqlOf(Result result, String revision) {
        List<String> sql = new ArrayList<>();
        for (JsonNode statement : result.revision(revision).get("statements")) {
            sql.add(statement.get("sql").asText());
        }
        return sql;
    }

    @Test
    void anEnumValueUsedInTheNextRevisionFailsOnlyDeployedTogether() {
        AlembicProject project = shop("")
                .revision("r2", "r1", "op.execute(\"CREATE TYPE mood AS ENUM ('sad')\")\n"
                        + "op.add_column('customers', sa.Column('m', sa.Enum(name='mood', create_type=False)))")
                .revision("r3", "r2", "op.execute(\"ALTER TYPE mood ADD VALUE 'happy'\")")
                .revision("r4", "r3", "op.execute(\"UPDATE customers SET m = 'happy' WHERE id = 1\")");

        Result result = Lockwatch.verify(project, "--from", "r2", "--no-downgrade-check");

        assertEquals(1, result.exitCode(), result.describe());
        JsonNode finding = result.finding("r4", "deploy-fails-together");
        String message = finding.get("message").asText();
        assertTrue(message.contains("unsafe use of new value") && message.contains("with r3"), message);
        assertTrue(message.startsWith("alembic upgrade r4 fails at this revision"), message);
        assertEquals("applied", result.revision("r3").get("status").asText());
        assertEquals("applied", result.revision("r4").get("status").asText(), "alone, after r3 committed, it runs");
        assertEquals(List.of(), result.findings("r3", "deploy-fails-together"));
        assertTrue(result.err().contains("deploy: alembic upgrade r4 failed at revision r4"), result.err());

        Result step = Lockwatch.verify(project, "--from", "r2", "--no-downgrade-check", "--step");
        assertEquals(List.of(), step.findings("r4", "deploy-fails-together"), step.describe());
    }

    /**
     * The driver sends a deploy's gate reports ahead of its answer, a batch at a time, while alembic still runs: a deploy
     * of more gates than a batch holds (three a revision here) has every statement's locks, in its own revision.
     */
    @Test
    void aDeployOfMoreGatesThanABatchIsReportedWhole() {
        AlembicProject project = shop("");
        String down = "r1";
        for (int i = 2; i <= 41; i++) {
            project.revision("r" + i, down, TIMEOUT + "op.add_column('customers', sa.Column('c" + i + "', sa.Integer))");
            down = "r" + i;
        }

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        for (int i = 2; i <= 41; i++) {
            List<String> locked = new ArrayList<>();
            for (JsonNode statement : result.revision("r" + i).get("statements")) {
                if (statement.get("sql").asText().startsWith("ALTER TABLE customers ADD COLUMN c" + i + " ")) {
                    statement.get("locks").forEach(l -> locked.add(l.get("table").asText() + " " + l.get("mode").asText()));
                }
            }
            assertEquals(List.of("public.customers ACCESS EXCLUSIVE"), locked, "r" + i + ": " + result.describe());
        }
    }

    @Test
    void aQuickExclusiveLockIsHeldThroughALaterRevisionsBackfill() {
        AlembicProject project = shop("").revision("r2", "r1", ADD_VIP).revision("r3", "r2", BACKFILL);

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        JsonNode finding = result.finding("r2", "lock-held-across-revisions");
        String message = finding.get("message").asText();
        assertTrue(message.contains("public.customers") && message.contains("ACCESS EXCLUSIVE")
                && message.contains("r3: UPDATE orders SET qty = qty + 1"), message);
        assertEquals(List.of(), result.findings("r3", "lock-held-across-revisions"));
        assertTrue(sqlOf(result, "r3").contains("UPDATE orders SET qty = qty + 1"), result.describe());
        assertTrue(sqlOf(result, "r2").stream().anyMatch(s -> s.startsWith("ALTER TABLE customers ADD COLUMN vip")),
                result.describe());

        Result step = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check", "--step");
        assertEquals(List.of(), step.findings("r2", "lock-held-across-revisions"), "its own deploy: " + step.describe());
    }

    @Test
    void transactionPerMigrationCommitsEachRevision() {
        AlembicProject project = shop(", transaction_per_migration=True")
                .revision("r2", "r1", ADD_VIP, "op.drop_column('customers', 'vip')").revision("r3", "r2", BACKFILL)
                .revision("r4", "r3", "op.execute(\"CREATE TYPE mood AS ENUM ('sad')\")", "op.execute('DROP TYPE mood')")
                .revision("r5", "r4", "op.execute(\"ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy'\")")
                .revision("r6", "r5", "op.execute(\"SELECT 'happy'::mood\")");

        Result result = Lockwatch.verify(project, "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.findings("r2", "lock-held-across-revisions"), result.describe());
        assertEquals(List.of(), result.findings("r6", "deploy-fails-together"));
        for (String id : List.of("r2", "r3", "r4", "r5", "r6")) {
            assertEquals("applied", result.revision(id).get("status").asText(), id);
        }
        assertEquals("one-way", result.revision("r3").get("downgrade").get("outcome").asText(), "the fixture's downgrade");
        for (String id : List.of("r2", "r4")) {
            assertEquals("passed", result.revision(id).get("downgrade").get("outcome").asText(), id + " " + result.describe());
        }
        assertEquals("one-way", result.revision("r5").get("downgrade").get("outcome").asText(), "the fixture's downgrade");
        assertTrue(sqlOf(result, "r3").contains("UPDATE orders SET qty = qty + 1"), result.describe());
    }

    /**
     * A table the deploy's transaction made is seen by no other session until COMMIT, so no one can wait for its
     * locks: the report lists none (the gates leave them out, the watcher's looks too, a LOCK TABLE's report
     * included). With transaction_per_migration the table is committed before the next revision locks it, and then
     * that revision's locks on it are listed.
     */
    @Test
    void locksOnATableTheDeploysOwnTransactionMadeAreNotListed() {
        String create = "op.create_table('events', sa.Column('id', sa.Integer, primary_key=True),"
                + " sa.Column('customer_id', sa.Integer, sa.ForeignKey('customers.id')))";
        String work = TIMEOUT + "op.add_column('events', sa.Column('note', sa.Text))\n"
                + "op.execute('LOCK TABLE events IN EXCLUSIVE MODE')\n"
                + "op.add_column('customers', sa.Column('vip', sa.Boolean))";
        for (String env : List.of("", ", transaction_per_migration=True")) {
            AlembicProject project = AlembicProject.create(dir.resolve(env.isEmpty() ? "joint" : "each"),
                            AlembicProject.ENV_FROM_INI.formatted(env))
                    .revision("r1", null, AlembicProject.SHOP, "op.drop_table('orders')\nop.drop_table('customers')")
                    .revision("r2", "r1", TIMEOUT + create).revision("r3", "r2", work);

            Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

            assertEquals("applied", result.revision("r3").get("status").asText(), result.describe());
            List<String> r2 = locksOf(result, "r2");
            List<String> r3 = locksOf(result, "r3");
            assertTrue(r2.contains("CREATE TABLE public.customers SHARE ROW EXCLUSIVE"), r2.toString());
            assertTrue(r3.contains("ALTER TABLE public.customers ACCESS EXCLUSIVE"), r3.toString());
            if (env.isEmpty()) {
                assertTrue(r2.stream().noneMatch(l -> l.contains("public.events")), r2.toString());
                assertTrue(r3.stream().noneMatch(l -> l.contains("public.events")), r3.toString());
            } else {
                assertTrue(r3.containsAll(List.of("ALTER TABLE public.events ACCESS EXCLUSIVE",
                        "LOCK TABLE public.events EXCLUSIVE")), r3.toString());
            }
        }
    }

    /** Each lock a revision's statements took: its command tag, table and mode. */
    private static List<String> locksOf(Result result, String revision) {
        List<String> locks = new ArrayList<>();
        for (JsonNode statement : result.revision(revision).get("statements")) {
            for (JsonNode lock : statement.get("locks")) {
                locks.add(statement.get("tag").asText() + " " + lock.get("table").asText() + " " + lock.get("mode").asText());
            }
        }
        return locks;
    }

    @Test
    void anAutocommitBlockInsideAJointDeployCommitsWhatCameBefore() {
        AlembicProject project = shop("").revision("r2", "r1", ADD_VIP)
                .revision("r3", "r2", """
                        with op.get_context().autocommit_block():
                            op.create_index('ix_orders_qty', 'orders', ['qty'], postgresql_concurrently=True)
                        op.execute('UPDATE orders SET qty = qty + 1')
                        """);

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        assertEquals(List.of(), result.findings("r2", "lock-held-across-revisions"),
                "the block committed r2's transaction: " + result.describe());
        assertEquals("applied", result.revision("r3").get("status").asText());
        assertTrue(sqlOf(result, "r3").stream().anyMatch(s -> s.startsWith("CREATE INDEX CONCURRENTLY ix_orders_qty")),
                result.describe());
        assertEquals(List.of(), result.findings("r3", "non-concurrent-index"), result.describe());
    }

    @Test
    void whenTheDeployFailsTheRestAreVerifiedAsTheirOwnDeploys() {
        AlembicProject project = shop("").revision("r2", "r1", ADD_VIP)
                .revision("r3", "r2", "op.drop_column('orders', 'no_such_column')")
                .revision("r4", "r3", BACKFILL);

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check");

        assertEquals(1, result.exitCode(), result.describe());
        assertTrue(result.err().contains("deploy: alembic upgrade r4 failed at revision r3"), result.err());
        assertEquals("applied", result.revision("r2").get("status").asText());
        assertEquals("failed", result.revision("r3").get("status").asText());
        assertEquals(List.of("migration-failed"), result.errors("r3"));
        assertEquals(List.of(), result.findings("r3", "deploy-fails-together"), "it fails on its own too");
        assertEquals("not-run", result.revision("r4").get("status").asText());
    }
}
