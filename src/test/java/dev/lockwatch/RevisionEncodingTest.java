package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A revision file in Latin-1 (declared by a PEP 263 coding line, as Python and alembic accept it) is read by
 * lockwatch as Python reads it: the run completes and its suppression comments count.
 */
class RevisionEncodingTest {
    @TempDir
    Path dir;

    @Test
    void aLatin1RevisionWithACodingLineIsReadAsPythonReadsIt() throws Exception {
        AlembicProject project = AlembicProject.create(dir).revision("r1", null,
                "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('a', sa.Integer))");
        Files.write(project.root().resolve("migrations/versions/r2.py"), """
                # -*- coding: latin-1 -*-
                \"\"\"index for the caf\u00e9 report\"\"\"
                from alembic import op

                revision = 'r2'
                down_revision = 'r1'


                def upgrade():  # caf\u00e9
                    # lockwatch: ignore[non-concurrent-index] reason: caf\u00e9 closed at night
                    op.create_index('ix_a', 'orders', ['a'])
                    op.create_index('ix_id_a', 'orders', ['id', 'a'])


                def downgrade():
                    raise NotImplementedError()
                """.getBytes(StandardCharsets.ISO_8859_1));

        Result result = Lockwatch.verify(project, "--from", "r1", "--no-downgrade-check", "--rule", "missing-lock-timeout=off");

        assertEquals(1, result.exitCode(), "the unsuppressed index fails the run, nothing else: " + result.describe());
        int suppressed = 0;
        int open = 0;
        for (JsonNode f : result.revision("r2").get("findings")) {
            if (!f.get("rule").asText().equals("non-concurrent-index")) {
                continue;
            }
            if (f.get("suppressed").asBoolean()) {
                suppressed++;
                assertEquals("caf\u00e9 closed at night", f.get("suppression_reason").asText(), "decoded as Latin-1");
            } else {
                open++;
                assertEquals("migrations/versions/r2.py:" + 12, f.get("file").asText() + ":" + f.get("line").asInt(),
                        f.toString());
            }
        }
        assertEquals(1, suppressed, result.describe());
        assertEquals(1, open, result.describe());
        assertTrue(result.json().get("summary").get("errors").asInt() >= 1);
    }
}
