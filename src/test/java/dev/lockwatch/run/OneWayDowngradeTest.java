package dev.lockwatch.run;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.alembic.AlembicResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A downgrade that raises on purpose is one-way; one that fails inside an op.* call is an accident. */
class OneWayDowngradeTest {
    private static final String REVISION = """
            from alembic import op


            def upgrade():
                op.create_table('a')


            def downgrade():
                op.drop_constraint(None, 'a')
                raise RuntimeError('one-way: merges accounts')
            """;

    @TempDir
    Path dir;

    private AlembicResult failedAt(Path file, int line, String error) {
        String output = "Traceback (most recent call last):\n"
                + "  File \"/usr/lib/python3/dist-packages/alembic/command.py\", line 3, in downgrade\n"
                + "  File \"" + file + "\", line " + line + ", in downgrade\n"
                + "    (the line)\n" + error + "\n";
        return new AlembicResult(1, output, 10, false);
    }

    private Path revision() throws IOException {
        Path versions = Files.createDirectories(dir.resolve("versions"));
        return Files.writeString(versions.resolve("r2.py"), REVISION);
    }

    @Test
    void aRaiseInItsOwnDowngradeIsOneWay() throws IOException {
        Path file = revision();
        assertTrue(OneWayDowngrade.declared(failedAt(file, 10, "RuntimeError: one-way: merges accounts"),
                List.of(dir.resolve("versions"))));
    }

    @Test
    void aFailureInsideAnOpCallIsAnAccident() throws IOException {
        Path file = revision();
        assertFalse(OneWayDowngrade.declared(failedAt(file, 9, "ValueError: Constraint must have a name"),
                List.of(dir.resolve("versions"))));
    }

    @Test
    void notImplementedErrorIsOneWayWherever() {
        assertTrue(OneWayDowngrade.declared(new AlembicResult(1, "Traceback\nNotImplementedError\n", 1, false),
                List.of(dir)));
    }
}
