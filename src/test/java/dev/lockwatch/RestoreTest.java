package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.postgres.EmbeddedBinaries;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --restore: the classic "pg_dump production, restore, alembic upgrade" check. The dumps are made here with
 * the machine's pg_dump from a database real alembic migrated on a PostgreSQL 15 server, owned by a role the
 * restoring server does not have, then verified on other servers.
 */
class RestoreTest {
    private static EmbeddedPostgres source;

    @TempDir
    Path dir;

    @BeforeAll
    static void sourceServer() throws Exception {
        // pg_dump refuses servers newer than itself; the machine's client tools are PostgreSQL 15's
        source = EmbeddedPostgres.builder()
                .setPgBinaryResolver(EmbeddedBinaries.of("15", EmbeddedBinaries.Locations.fromEnvironment(), line -> { })
                        .resolver())
                .start();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("create role app_owner");
            s.execute("create role app_reader");
        }
    }

    @AfterAll
    static void stopSource() throws IOException {
        source.close();
    }

    private static Connection connect(String database) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + source.getPort() + "/" + database,
                "postgres", "postgres");
    }

    private AlembicProject chain() {
        return AlembicProject.create(dir.resolve("project"), AlembicProject.ENV_FROM_VARIABLE.formatted("DATABASE_URL"))
                .revision("r1", null, """
                        op.create_table('customers', sa.Column('id', sa.Integer, primary_key=True),
                                        sa.Column('email', sa.String(200), nullable=False, unique=True))
                        op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True),
                                        sa.Column('customer_id', sa.Integer, sa.ForeignKey('customers.id'), nullable=False),
                                        sa.Column('total', sa.Numeric(10, 2)))
                        op.execute("INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 500) g")
                        op.execute("INSERT INTO orders (customer_id, total) SELECT 1 + g % 500, g FROM generate_series(1, 5000) g")
                        op.execute('''CREATE FUNCTION open_orders() RETURNS void LANGUAGE plpgsql AS $$
                        BEGIN
                        GRANT SELECT ON orders TO PUBLIC;
                        END $$''')
                        """)
                .revision("r2", "r1", "op.add_column('orders', sa.Column('status', sa.Text))")
                .revision("r3", "r2", """
                        op.execute('''DO $$ BEGIN
                          IF (SELECT count(*) FROM orders) <> 5000 THEN RAISE EXCEPTION 'orders not restored'; END IF;
                          IF (SELECT prosrc FROM pg_proc WHERE proname = 'open_orders') NOT LIKE '%GRANT SELECT%' THEN
                            RAISE EXCEPTION 'function body damaged';
                          END IF;
                        END $$''')
                        op.create_index('ix_orders_customer', 'orders', ['customer_id'])
                        """)
                .revision("r4", "r3", "op.add_column('customers', sa.Column('name', sa.Text))");
    }

    private Map<String, String> libpq(String database) {
        return Map.of("PGHOST", "localhost", "PGPORT", Integer.toString(source.getPort()), "PGUSER", "postgres",
                "PGPASSWORD", "postgres", "PGDATABASE", database,
                "DATABASE_URL", "postgresql://postgres:postgres@localhost:" + source.getPort() + "/" + database);
    }

    /**
     * A database on the PostgreSQL 15 server upgraded to {@code revision} by real alembic (or left empty for
     * null), with production's ownership and grants, dumped by pg_dump with {@code options}.
     */
    private Path dump(AlembicProject project, String revision, String file, String... options) throws Exception {
        String database = "shop";
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists " + database);
            s.execute("create database " + database);
        }
        if (revision != null) {
            run(dir.resolve("alembic.log"), libpq(database), project.root(), "alembic", "upgrade", revision);
            try (Connection c = connect(database); Statement s = c.createStatement()) {
                s.execute("alter table orders owner to app_owner");
                s.execute("grant select on customers to app_reader");
            }
        }
        Path dump = dir.resolve(file);
        List<String> command = new ArrayList<>(List.of("pg_dump", "-f", dump.toString()));
        command.addAll(List.of(options));
        run(dir.resolve("pg_dump.log"), libpq(database), dir, command.toArray(String[]::new));
        return dump;
    }

    private static void assertVerifiedAboveTheDump(Result result, String format) {
        assertEquals(1, result.exitCode(), result.describe());
        JsonNode json = result.json();
        assertEquals("r2", json.get("baseline").asText());
        JsonNode restore = json.get("data").get("restore");
        assertEquals(format, restore.get("format").asText());
        assertEquals("[\"r2\"]", restore.get("alembic_version").toString());
        List<String> verified = new ArrayList<>();
        json.get("revisions").forEach(r -> verified.add(r.get("revision").asText() + ":" + r.get("status").asText()));
        assertEquals(List.of("r3:applied", "r4:applied"), verified, result.describe());
        assertEquals(List.of("non-concurrent-index"), result.rules("r3"));
        assertTrue(result.err().contains("the dump is at r2; 2 revision(s) to verify above it"), result.err());
    }

    @Test
    void aPlainDumpIsTheBaselineAndTheRevisionsAboveItAreVerified() throws Exception {
        AlembicProject project = chain();
        Path dump = dump(project, "r2", "shop.sql");
        assertTrue(Files.readString(dump).contains("OWNER TO app_owner"), "the dump names production's owner");

        Result result = Lockwatch.verifyFocused(project, "--restore", dump.toString());

        assertVerifiedAboveTheDump(result, "plain SQL");
    }

    @Test
    void aCustomFormatDumpIsRestoredWithPgRestoreOnTheEmbeddedServer() throws Exception {
        AlembicProject project = chain();
        Path dump = dump(project, "r2", "shop.dump", "-Fc");

        Result result = Lockwatch.runFocused("verify", "-c", project.ini().toString(), "--restore", dump.toString(),
                "--postgres", "embedded", "--format", "json");

        assertVerifiedAboveTheDump(result, "custom");
        assertEquals("embedded", result.json().get("postgres").get("provider").asText());
    }

    @Test
    void aDumpMadeWithCreateStillLandsInTheScratchDatabaseOnly() throws Exception {
        AlembicProject project = chain();
        Path dump = dump(project, "r2", "shop-create.sql", "--create", "--clean");
        assertTrue(Files.readString(dump).contains("\\connect"), "pg_dump --create connects to its own database");

        Result result = Lockwatch.verifyFocused(project, "--restore", dump.toString());

        assertVerifiedAboveTheDump(result, "plain SQL");
        assertEquals(List.of(), SharedPostgres.databases("shop"), "the dump's own database must not be created");
    }

    @Test
    void aDumpOfADatabaseAlembicNeverMigratedIsRefused() throws Exception {
        Path dump = dump(chain(), null, "empty.sql");

        Result result = Lockwatch.verifyFocused(chain(), "--restore", dump.toString());

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("has no alembic_version table"), result.err());
    }

    @Test
    void aFileThatIsNotADumpFailsWithPsqlsError() throws Exception {
        Path notADump = Files.writeString(dir.resolve("notes.sql"), "this is not SQL;\n");

        Result result = Lockwatch.verifyFocused(chain(), "--restore", notADump.toString());

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("did not restore") && result.err().contains("syntax error"), result.err());
    }

    @Test
    void restoreAndFromTogetherAreAUsageError() {
        Result result = Lockwatch.verifyFocused(chain(), "--restore", "x.sql", "--from", "r1");

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("--restore and --from both set the baseline"), result.err());
    }

    private static void run(Path log, Map<String, String> env, Path folder, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " hung");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + Files.readString(log));
    }
}
