package dev.lockwatch.alembic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lockwatch.support.SharedPostgres;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * lockwatch's connection guard with each DBAPI it intercepts, in Debian's Python as lockwatch runs it: a
 * session in the expected database with its token is let through, one in another database is refused, and
 * so is one in a database of the expected name without the token. A DBAPI that is not installed is skipped.
 */
class GuardDriversTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT = """
            import asyncio, sys
            kind, port = sys.argv[1], int(sys.argv[2])
            login = dict(host="localhost", port=port, user="postgres", password="postgres")

            def attempt(db):
                try:
                    if kind == "psycopg2":
                        import psycopg2
                        psycopg2.connect(dbname=db, **login).close()
                    elif kind == "psycopg2-logging":
                        import psycopg2, psycopg2.extras
                        psycopg2.connect(dbname=db, connection_factory=psycopg2.extras.LoggingConnection, **login).close()
                    elif kind == "psycopg2-direct":
                        import psycopg2.extensions
                        psycopg2.extensions.connection("host=localhost port=%d user=postgres password=postgres dbname=%s" % (port, db)).close()
                    elif kind == "psycopg":
                        import psycopg
                        psycopg.connect(dbname=db, **login).close()
                    elif kind == "asyncpg":
                        import asyncpg
                        async def run():
                            await (await asyncpg.connect(database=db, **login)).close()
                        asyncio.run(run())
                    elif kind == "pg8000":
                        import pg8000
                        pg8000.connect(database=db, **login).close()
                    elif kind == "sqlalchemy-asyncpg":
                        from sqlalchemy import text
                        from sqlalchemy.ext.asyncio import create_async_engine
                        async def run():
                            engine = create_async_engine("postgresql+asyncpg://postgres:postgres@localhost:%d/%s" % (port, db))
                            try:
                                async with engine.connect() as c:
                                    await c.execute(text("select 1"))
                            finally:
                                await engine.dispose()
                        asyncio.run(run())
                    print("connected", db)
                except BaseException as e:
                    print("refused" if type(e).__name__ == "LockwatchGuardError" else "error %r" % e, db)

            for db in sys.argv[3:]:
                attempt(db)
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void databases() throws Exception {
        try (Connection c = SharedPostgres.connect("postgres"); Statement s = c.createStatement()) {
            for (String db : new String[] {"lw_guard_ours", "lw_guard_other"}) {
                s.execute("drop database if exists " + db + " with (force)");
                s.execute("create database " + db);
            }
            s.execute("alter database lw_guard_ours set lockwatch.token = 'ourtoken'");
        }
        for (String file : new String[] {"sitecustomize.py", SessionGuard.SCRIPT}) {
            try (InputStream in = AlembicRunner.class.getResourceAsStream(file)) {
                Files.write(dir.resolve(file), in.readAllBytes());
            }
        }
        Files.writeString(dir.resolve("attempt.py"), SCRIPT);
    }

    private static String run(String kind, String expectedDatabase, String... databases) throws Exception {
        Path log = dir.resolve(kind + "-" + expectedDatabase + ".log");
        Files.deleteIfExists(log);
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(PYTHON, dir.resolve("attempt.py").toString(),
                kind, Integer.toString(SharedPostgres.server().getPort())));
        command.addAll(java.util.List.of(databases));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", dir.toString());
        builder.environment().put(SessionGuard.DATABASE, expectedDatabase);
        builder.environment().put(SessionGuard.TOKEN, "ourtoken");
        builder.environment().put(SessionGuard.LOG, log.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return output;
    }

    private static boolean importable(String kind) throws Exception {
        String module = kind.replaceAll("-.*", "").replace("sqlalchemy", "asyncpg");
        return new ProcessBuilder(PYTHON, "-c", "import " + module).start().waitFor() == 0;
    }

    @ParameterizedTest
    @ValueSource(strings = {"psycopg2", "psycopg2-logging", "psycopg2-direct", "psycopg", "asyncpg", "pg8000",
            "sqlalchemy-asyncpg"})
    void theScratchDatabaseIsLetThroughAndAnotherIsRefused(String kind) throws Exception {
        assumeTrue(importable(kind), kind + " is not installed in " + PYTHON);

        assertEquals("connected lw_guard_ours\nrefused lw_guard_other\n", run(kind, "lw_guard_ours", "lw_guard_ours",
                "lw_guard_other"), kind);
        String log = Files.readString(dir.resolve(kind + "-lw_guard_ours.log"));
        assertTrue(log.contains("checked ") && log.contains("refused database lw_guard_other on localhost:"), log);
    }

    @ParameterizedTest
    @ValueSource(strings = {"psycopg2", "psycopg", "pg8000"})
    void theRightNameWithoutTheTokenIsRefused(String kind) throws Exception {
        assumeTrue(importable(kind), kind + " is not installed in " + PYTHON);

        assertEquals("refused lw_guard_other\n", run(kind, "lw_guard_other", "lw_guard_other"), kind);
    }
}
