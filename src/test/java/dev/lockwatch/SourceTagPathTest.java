package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source tag lockwatch puts before each statement names the revision file; a '%' in its path (CI systems name
 * branch folders feature%2Fnew-index) must not reach psycopg2's %-formatting as a placeholder.
 */
class SourceTagPathTest {
    @TempDir
    Path dir;

    @Test
    void aPercentSignInTheProjectPathBreaksNoStatement() {
        AlembicProject project = AlembicProject.shop(dir.resolve("feature%2Fnew-index").resolve("project"), "r1")
                .revision("r2", "r1", """
                        op.add_column('orders', sa.Column('extra', sa.Text))
                        op.execute("UPDATE orders SET note = '100%' WHERE id = 1")
                        op.get_bind().exec_driver_sql("UPDATE orders SET note = 'x' WHERE id = 2")
                        op.get_bind().exec_driver_sql("UPDATE orders SET note = %s WHERE id = 3", ("50%",))
                        """);

        Result result = Lockwatch.verifyFocused(project, "--from", "r1");

        assertEquals(0, result.exitCode(), result.describe());
        JsonNode statements = result.revision("r2").get("statements");
        assertEquals(4, statements.size(), result.describe());
        for (JsonNode statement : statements) {
            assertEquals("migrations/versions/r2.py", statement.get("file").asText(), result.describe());
        }
        assertEquals(15, statements.get(0).get("line").asInt(), result.describe());
        assertEquals(18, statements.get(3).get("line").asInt(), result.describe());
    }
}
