package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.OtherMajorPostgres;
import dev.lockwatch.support.SharedPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same revision judged on two embedded majors, 10 and the bundled 16: lockwatch reports what the server did,
 * so the answers differ where PostgreSQL changed.
 */
class VersionDependentAnswersTest {
    private static EmbeddedPostgres postgres10;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres10() {
        postgres10 = OtherMajorPostgres.start("10.23.0");
    }

    @AfterAll
    static void stopPostgres10() throws IOException {
        if (postgres10 != null) {
            postgres10.close();
        }
    }

    private static Result on(String serverUrl, AlembicProject project, String... extra) {
        List<String> args = new ArrayList<>(List.of("verify", "-c", project.ini().toString(), "--server-url", serverUrl,
                "--format", "json"));
        args.addAll(List.of(extra));
        return Lockwatch.run(args.toArray(String[]::new));
    }

    @Test
    void aConstantDefaultRewritesTheTableOn10ButNotOn16() {
        AlembicProject project = AlembicProject.shop(dir, "r1").revision("r2", "r1", """
                op.execute("SET lock_timeout = '3s'")
                op.add_column('orders', sa.Column('status', sa.String(10), nullable=False, server_default='new'))
                """, "op.drop_column('orders', 'status')");

        Result old = on(OtherMajorPostgres.url(postgres10), project, "--from", "r1");
        Result current = on(SharedPostgres.url(), project, "--from", "r1");

        assertEquals(10, old.json().get("postgres").get("major_version").asInt());
        assertEquals(List.of("table-rewrite"), old.errors("r2"), old.describe());
        assertTrue(old.finding("r2", "table-rewrite").get("hint").asText().contains("on PostgreSQL 10 any default"),
                old.describe());
        assertEquals(16, current.json().get("postgres").get("major_version").asInt());
        assertEquals(0, current.exitCode(), current.describe());
        assertEquals(List.of(), current.rules("r2"));
    }

    @Test
    void aValidatedCheckSparesTheSetNotNullScanOn16ButNotOn10() {
        AlembicProject project = AlembicProject.shop(dir, "r1")
                .revision("r2", "r1", "op.create_check_constraint('ck_qty_nn', 'orders', 'qty IS NOT NULL')",
                        "op.drop_constraint('ck_qty_nn', 'orders')")
                .revision("r3", "r2", """
                        op.execute("SET lock_timeout = '3s'")
                        op.alter_column('orders', 'qty', nullable=False)
                        """, "op.alter_column('orders', 'qty', nullable=True)");

        Result old = on(OtherMajorPostgres.url(postgres10), project, "--from", "r2");
        Result current = on(SharedPostgres.url(), project, "--from", "r2");

        assertEquals(List.of("constraint-validation"), old.errors("r3"), old.describe());
        assertEquals(List.of(), current.errors("r3"), current.describe());
    }
}
