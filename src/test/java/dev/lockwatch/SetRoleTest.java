package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A revision that switches to an application role still runs, and is still watched, under lockwatch's gates. */
class SetRoleTest {
    private static final String ROLE = "lockwatch_test_app_" + ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @AfterEach
    void dropRole() throws Exception {
        try (Connection c = SharedPostgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop role if exists " + ROLE);
        }
    }

    @Test
    void ddlUnderSetRoleToANonSuperuserPassesTheGates() {
        AlembicProject project = AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, """
                        op.execute("CREATE ROLE %1$s")
                        op.execute("GRANT CREATE, USAGE ON SCHEMA public TO %1$s")
                        op.execute("SET ROLE %1$s")
                        op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        op.execute("RESET ROLE")
                        """.formatted(ROLE))
                .revision("r2", "r1", """
                        op.execute("SET ROLE %s")
                        op.add_column('orders', sa.Column('note', sa.Text))
                        op.create_index('ix_orders_n', 'orders', ['n'])
                        op.execute("INSERT INTO orders (n) VALUES (1)")
                        op.execute("RESET ROLE")  # alembic_version is the superuser's
                        """.formatted(ROLE));

        Result result = Lockwatch.verifyFocused(project, "--from", "r1");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("applied", result.revision("r2").get("status").asText(), result.describe());
        assertEquals(java.util.List.of("non-concurrent-index"), result.errors("r2"), result.describe());
    }
}
