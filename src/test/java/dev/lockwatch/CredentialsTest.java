package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * --server-url in the shapes users write it, against a server that checks passwords: each one connects, and the
 * password appears in no output, report, log or temp file (the revision itself searches lockwatch's temp folder
 * for it while the run is on).
 */
class CredentialsTest {
    private static EmbeddedPostgres server;
    private static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void passwordServer() throws Exception {
        data = Files.createTempDirectory("lw-credentials-");
        server = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(true).start();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("alter role postgres password 'postgres'");
            for (String[] role : ROLES) {
                s.execute("create role \"" + role[0] + "\" login superuser password '" + role[1] + "'");
            }
        }
        Files.writeString(data.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 scram-sha-256\n"
                + "host all all ::1/128 scram-sha-256\nlocal all all trust\n");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + server.getPort() + "/postgres",
                "postgres", "postgres"); Statement s = c.createStatement()) {
            s.execute("select pg_reload_conf()");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static final String[][] ROLES = {
            {"lw_space", "pa ss word"},
            {"lw_at", "p@ss%w rd"},
            {"lw_az@srv", "Az ure@Pass"},
            {"lw_query", "q&uery pass"},
    };

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Each shape as a user writes it: {@code %s} is the port. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "pa ss word  | postgresql://lw_space:pa%%20ss%%20word@localhost:%s/postgres |",
            "p@ss%w rd   | postgresql://lw_at:p@ss%%25w%%20rd@localhost:%s/postgres |",
            "Az ure@Pass | postgres://lw_az@srv:Az ure@Pass@localhost:%s/postgres |",
            "q&uery pass | postgresql://lw_query@localhost:%s/postgres?password=q%%26uery%%20pass&sslmode=disable |",
            "q&uery pass | host=localhost port=%s user=lw_query password='q&uery pass' dbname=postgres |",
            "pa ss word  | postgresql://lw_space:pa%%20ss%%20word@localhost:%s/postgres | --process-per-revision",
    })
    void everyShapeConnectsAndThePasswordIsNowhere(String password, String shape, String extra) throws Exception {
        String url = shape.formatted(server.getPort());
        Path reports = Files.createDirectories(dir.resolve("reports"));
        AlembicProject project = AlembicProject.create(dir.resolve("project"))
                .revision("r1", null, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", """
                        import os
                        hook = os.environ['PYTHONPATH'].split(os.pathsep)[0]
                        workspace = os.path.dirname(os.path.dirname(hook))
                        secrets = [bytes.fromhex('%s'), bytes.fromhex('%s')]
                        for folder, _, files in os.walk(workspace):
                            for name in files:
                                if not os.path.isfile(os.path.join(folder, name)):
                                    continue  # an alembic driver's socket, not yet connected
                                with open(os.path.join(folder, name), 'rb') as f:
                                    content = f.read()
                                if any(s in content for s in secrets):
                                    raise Exception('the password is in ' + os.path.join(folder, name))
                        op.create_index('ix_t', 't', ['id'])
                        """.formatted(hex(password), hex(encode(password))));
        List<String> args = new ArrayList<>(List.of("verify", "-c", project.ini().toString(), "--server-url", url,
                "--report", "json=" + reports.resolve("r.json"), "--report", "sarif=" + reports.resolve("r.sarif"),
                "--report", "markdown=" + reports.resolve("r.md"), "--report", "junit=" + reports.resolve("r.xml"),
                "--report", "text=-", "--from", "base")); // one deploy that creates t: its index build is no error
        if (extra != null) {
            args.add(extra);
        }
        Result result = Lockwatch.run(args.toArray(String[]::new));

        assertEquals(0, result.exitCode(), "connects, and no file holds the password: " + result.describe());
        assertTrue(result.out().contains("PASSED: 2 revision(s): 2 applied"), result.out());
        for (String form : List.of(password, encode(password))) {
            assertFalse(result.out().contains(form), "password in the report: " + result.out());
            assertFalse(result.err().contains(form), "password in the messages: " + result.err());
            try (Stream<Path> files = Files.walk(reports)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    assertFalse(Files.readString(file).contains(form), "password in " + file);
                }
            }
        }
    }

    /** The password as hex, so the revision that searches for it does not hold it in clear. */
    private static String hex(String value) {
        return java.util.HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8));
    }

    @org.junit.jupiter.api.Test
    void aMistypedOptionDoesNotEchoTheUrlsPassword() {
        Result result = Lockwatch.run("verify", "--server-ur", "postgresql://u:pa ss@localhost/postgres");

        assertEquals(2, result.exitCode(), result.describe());
        assertTrue(result.err().contains("Unknown option"), result.err());
        assertFalse(result.err().contains("pa ss") || result.err().contains("ss@"), result.err());
    }
}
