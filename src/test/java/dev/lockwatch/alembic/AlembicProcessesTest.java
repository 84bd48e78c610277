package dev.lockwatch.alembic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which alembic commands the shared driver can run: a Python script, or a Python's {@code -m alembic}. */
class AlembicProcessesTest {
    @Test
    void aPythonsModuleRunsInTheSharedDriverWithThatPython() {
        assertEquals(Optional.of(List.of("/usr/bin/python3")), AlembicProcesses.pythonOf(List.of("/usr/bin/python3", "-m", "alembic")),
                "how the pip-installed lockwatch runs its Python's alembic");
        assertEquals(Optional.empty(), AlembicProcesses.pythonOf(List.of("/usr/bin/python3", "-m", "pytest")));
        assertEquals(Optional.empty(), AlembicProcesses.pythonOf(List.of("/nonexistent/python3", "-m", "alembic")));
        assertEquals(Optional.empty(), AlembicProcesses.pythonOf(List.of("poetry", "run", "alembic")));
    }
}
