package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --server-url with roles a staging box or a CI service container really has: not a superuser (best-effort
 * capture by polling), or not even allowed to create databases (a clear refusal). Passwords never printed.
 */
class ExistingServerTest {
    private static final String PASSWORD = "Sh0uld-never-appear";
    private static final String DEVELOPER = "lw_developer";
    private static final String READER = "lw_reader";

    @TempDir
    Path dir;

    @BeforeAll
    static void roles() throws Exception {
        try (Connection c = SharedPostgres.connect("postgres"); Statement s = c.createStatement()) {
            for (String role : List.of(DEVELOPER, READER)) {
                s.execute("drop role if exists " + role);
            }
            s.execute("create role " + DEVELOPER + " login createdb nosuperuser password '" + PASSWORD + "'");
            s.execute("create role " + READER + " login nocreatedb nosuperuser password '" + PASSWORD + "'");
        }
    }

    private static String url(String role) {
        return "postgresql://" + role + ":" + PASSWORD + "@localhost:" + SharedPostgres.server().getPort() + "/postgres";
    }

    /** A baseline with enough rows that the index build lasts long enough for polling to see its lock. */
    private AlembicProject chain() {
        return AlembicProject.create(dir)
                .revision("r1", null, """
                        op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        op.execute('INSERT INTO orders (n) SELECT g % 977 FROM generate_series(1, 1000000) g')
                        """)
                .revision("r2", "r1", "op.create_index('ix_orders_n', 'orders', ['n'])");
    }

    @Test
    void aRoleThatIsNotSuperuserGetsBestEffortCaptureAndStillTheFinding() throws Exception {
        Result result = Lockwatch.runFocused("verify", "-c", chain().ini().toString(), "--from", "r1",
                "--server-url", url(DEVELOPER), "--format", "json");

        assertEquals(1, result.exitCode(), result.describe());
        assertEquals("best-effort", result.json().get("postgres").get("capture").asText());
        assertEquals("server", result.json().get("postgres").get("provider").asText());
        assertEquals(List.of("non-concurrent-index"), result.rules("r2"));
        assertTrue(result.locks("r2").contains("public.orders SHARE"), result.locks("r2").toString());
        assertTrue(result.err().contains("role " + DEVELOPER + " is not a superuser"), result.err());
        assertNoPassword(result);
        assertEquals(List.of(), SharedPostgres.scratchDatabases(), "the scratch database is dropped");
    }

    @Test
    void theTextReportSaysCaptureIsBestEffort() throws Exception {
        Result result = Lockwatch.runFocused("verify", "-c", chain().ini().toString(), "--from", "r1",
                "--server-url", url(DEVELOPER));

        assertEquals(1, result.exitCode(), result.describe());
        assertTrue(result.out().contains("(capture best-effort)"), result.out());
        assertTrue(result.out().contains("capture is best-effort: the role is not a superuser"), result.out());
        assertTrue(result.out().contains("non-concurrent-index"), result.out());
        assertNoPassword(result);
        assertEquals(List.of(), SharedPostgres.scratchDatabases());
    }

    @Test
    void aRoleThatMayNotCreateDatabasesIsRefusedInOneLine() throws Exception {
        Result result = Lockwatch.runFocused("verify", "-c", chain().ini().toString(), "--server-url", url(READER));

        assertEquals(3, result.exitCode(), result.describe());
        List<String> errors = result.err().lines().filter(l -> !l.startsWith("lockwatch: postgres:")).toList();
        assertEquals(1, errors.size(), result.err());
        assertTrue(errors.get(0).contains("role " + READER + " may not create databases")
                && errors.get(0).contains("ALTER ROLE " + READER + " CREATEDB"), errors.get(0));
        assertEquals("", result.out());
        assertNoPassword(result);
    }

    @Test
    void anUnreachableServerIsAnEnvironmentErrorThatDoesNotPrintThePassword() {
        String unreachable = "postgresql://" + DEVELOPER + ":" + PASSWORD + "@localhost:1/postgres";

        Result result = Lockwatch.runFocused("verify", "-c", chain().ini().toString(), "--server-url", unreachable);

        assertEquals(3, result.exitCode(), result.describe());
        assertTrue(result.err().contains("cannot create a scratch database on postgresql://" + DEVELOPER + "@localhost:1"),
                result.err());
        assertTrue(result.err().contains("existing server postgresql://" + DEVELOPER + "@localhost:1/postgres"),
                "the URL is shown without its password: " + result.err());
        assertNoPassword(result);
    }

    private static void assertNoPassword(Result result) {
        assertFalse(result.out().contains(PASSWORD), "password in the report: " + result.out());
        assertFalse(result.err().contains(PASSWORD), "password in the messages: " + result.err());
    }
}
