package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real histories are not lines: branches, merges, depends_on, several bases, env.py variants. */
class RealChainsTest {
    private static final String TABLE = "op.create_table('%s', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))";

    @TempDir
    Path dir;

    private static List<String> order(Result result) {
        List<String> ids = new ArrayList<>();
        for (JsonNode revision : result.json().get("revisions")) {
            ids.add(revision.get("revision").asText() + ":" + revision.get("status").asText());
        }
        return ids;
    }

    @Test
    void branchesMergesAndDependenciesAreSteppedInAlembicsOrder() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("a0", null, TABLE.formatted("orders"))
                .revision("b1", "a0", "op.create_index('ix_orders_n', 'orders', ['n'])")
                .revision("c1", "a0", TABLE.formatted("invoices"))
                .revision("c2", "c1", "op.add_column('orders', sa.Column('invoice_id', sa.Integer))")
                .revision("d0", List.of(), List.of("c1"), TABLE.formatted("ledger"), "pass") // a second base, depends on c1
                .revision("m1", List.of("b1", "c2", "d0"), List.of(), "pass", "pass");

        Result result = Lockwatch.verify(project, "--from", "a0");

        // alembic walks a branch to its end before the next: the order `alembic upgrade a0:heads` runs them in
        assertEquals(List.of("c1:applied", "d0:applied", "c2:applied", "b1:applied", "m1:applied"), order(result));
        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(List.of("non-concurrent-index"), result.errors("b1"));
        JsonNode merge = result.revision("m1").get("down_revision");
        assertEquals(3, merge.size());
    }

    @Test
    void transactionPerMigrationAndAnApplicationAdvisoryLockInEnvPy() {
        String env = AlembicProject.ENV_FROM_INI.formatted(", transaction_per_migration=True")
                .replace("with context.begin_transaction():",
                        "connection.exec_driver_sql('SELECT pg_advisory_lock(1)')\n        with context.begin_transaction():");
        AlembicProject project = AlembicProject.create(dir, env)
                .revision("a0", null, TABLE.formatted("orders"))
                .revision("b1", "a0", "op.create_index('ix_orders_n', 'orders', ['n'])");

        Result result = Lockwatch.verify(project, "--from", "a0");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(List.of("non-concurrent-index"), result.errors("b1"));
    }

    @Test
    void aRevisionThatCommitsThroughTheBindIsCaptured() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("a0", null, TABLE.formatted("orders"))
                .revision("b1", "a0", """
                        op.add_column('orders', sa.Column('note', sa.Text))
                        op.get_bind().commit() if hasattr(op.get_bind(), 'commit') else op.execute('COMMIT')
                        op.create_index('ix_orders_n', 'orders', ['n'])
                        """);

        Result result = Lockwatch.verify(project, "--from", "a0");

        assertEquals(List.of("public.orders ACCESS EXCLUSIVE", "public.orders SHARE"), result.locks("b1"));
        assertEquals(List.of("non-concurrent-index"), result.errors("b1"));
    }

    @Test
    void unicodeIdsAndParentsComputedInPythonAreReadAsAlembicReadsThem() {
        AlembicProject project = AlembicProject.create(dir)
                .revision("3537d5420e0e", null, TABLE.formatted("orders"));
        // the first revision's file as an old Python 2 template wrote it: u'' literals, a module constant
        project.write("migrations/versions/3537d5420e0e.py", """
                \"\"\"orders\"\"\"
                from alembic import op
                import sqlalchemy as sa

                revision = u'3537d5420e0e'
                down_revision = None


                def upgrade():
                    %s


                def downgrade():
                    op.drop_table('orders')
                """.formatted(TABLE.formatted("orders")));
        project.write("migrations/versions/b1.py", """
                \"\"\"index orders\"\"\"
                from alembic import op

                PARENT = u'3537d5420e0e'
                revision = 'b' + '1'
                down_revision = (PARENT,)


                def upgrade():
                    op.create_index('ix_orders_n', 'orders', ['n'])


                def downgrade():
                    op.drop_index('ix_orders_n', 'orders')
                """);

        Result result = Lockwatch.verify(project, "--from", "3537d5420e0e");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals(List.of("b1:applied"), order(result));
        assertEquals(List.of("non-concurrent-index"), result.errors("b1"));
        assertEquals("index orders", result.revision("b1").get("message").asText());
    }
}
