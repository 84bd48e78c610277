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

class MigrationFailedTest {
    @TempDir
    Path dir;

    @Test
    void concurrentIndexInsideTheTransactionFailsWithTheAutocommitHintAndTheRestIsNotRun() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))")
                .revision("r2", "r1", "op.create_index('ix_orders_n', 'orders', ['n'], postgresql_concurrently=True)")
                .revision("r3", "r2", "op.add_column('orders', sa.Column('note', sa.Text))");

        Result result = Lockwatch.verify(project, "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("failed", result.revision("r2").get("status").asText());
        assertEquals("not-run", result.revision("r3").get("status").asText());
        JsonNode finding = result.revision("r2").get("findings").get(0);
        assertEquals("migration-failed", finding.get("rule").asText());
        assertEquals("error", finding.get("severity").asText());
        assertTrue(finding.get("message").asText().contains("cannot run inside a transaction block"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("autocommit_block"), finding.toString());
        assertEquals(1, result.json().get("summary").get("failed").asInt());
        assertEquals(1, result.json().get("summary").get("not_run").asInt());
    }

    @Test
    void aRevisionWithBadSqlFailsWithAlembicsError() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.execute('ALTER TABLE no_such_table ADD COLUMN x int')");

        Result result = Lockwatch.verify(project);

        assertEquals(1, result.exitCode(), result.describe());
        String message = result.revision("r1").get("findings").get(0).get("message").asText();
        assertTrue(message.contains("no_such_table") && message.contains("does not exist"), message);
    }

    @Test
    void aChainThatAppliesHasNoFailureFinding() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", "op.add_column('orders', sa.Column('note', sa.Text))", "op.drop_column('orders', 'note')");

        Result result = Lockwatch.verify(project, "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        assertEquals(List.of(), result.errors("r2"));
        assertEquals(List.of("public.orders ACCESS EXCLUSIVE"), result.locks("r2"));
        assertEquals("applied", result.revision("r2").get("status").asText());
    }

    @Test
    void aRevisionThatHangsIsStoppedAfterTheRevisionTimeoutWithAClearFinding() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", "op.execute('SELECT pg_sleep(300)')")
                .revision("r3", "r2", "op.add_column('orders', sa.Column('note', sa.Text))");
        long started = System.nanoTime();

        Result result = Lockwatch.verify(project, "--from", "r1", "--revision-timeout", "3");

        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertTrue(seconds < 60, "stopped after the timeout, not after the sleep: " + seconds + " s");
        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("failed", result.revision("r2").get("status").asText());
        assertEquals("not-run", result.revision("r3").get("status").asText());
        JsonNode finding = result.revision("r2").get("findings").get(0);
        assertEquals("migration-failed", finding.get("rule").asText());
        assertTrue(finding.get("message").asText().contains("did not finish within --revision-timeout 3 s"), finding.toString());
        assertTrue(finding.get("hint").asText().contains("raise --revision-timeout"), finding.toString());
        assertTrue(result.revision("r2").get("duration_ms").asLong() >= 3000, result.revision("r2").toString());
    }
}
