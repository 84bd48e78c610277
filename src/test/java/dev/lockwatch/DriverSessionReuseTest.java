package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared driver keeps sessions and remembers what a new Engine's dialect learns on its first connection
 * (lockwatch_driver.py: _SessionKeeper, _Fingerprint, _DialectMemo). Each command must still see what a process of
 * its own would: a fresh Config, a dialect that describes the session it got (also after a revision changed the
 * answers, and with other engine options), and a working session when the kept one died.
 */
class DriverSessionReuseTest {
    @TempDir
    Path dir;

    /** Every other command's Engine is SERIALIZABLE; each asserts its Config is its own. */
    private static final String ENV = """
            import sys
            from alembic import context
            from sqlalchemy import engine_from_config, pool

            config = context.config
            assert config.get_main_option("lw_seen") is None, "a Config carried over from the last command"
            config.set_main_option("lw_seen", "yes")
            sys.lw_commands = getattr(sys, "lw_commands", 0) + 1
            options = {"isolation_level": "SERIALIZABLE"} if sys.lw_commands % 2 == 0 else {}
            connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.",
                                             poolclass=pool.NullPool, **options)
            with connectable.connect() as connection:
                context.configure(connection=connection, target_metadata=None)
                with context.begin_transaction():
                    context.run_migrations()
            """;

    /** What the dialect believes about the session must be what the session says. */
    private static final String CHECK = """
            bind = op.get_bind()
            d = bind.dialect
            schema, scs, isolation, hstores = bind.exec_driver_sql(
                "select current_schema(), current_setting('standard_conforming_strings'),"
                " current_setting('transaction_isolation'),"
                " (select count(*) from pg_type where typname = 'hstore')").one()
            assert d.default_schema_name == schema, (d.default_schema_name, schema)
            assert d._backslash_escapes == (scs == 'off'), scs
            assert d.default_isolation_level == isolation.upper(), (d.default_isolation_level, isolation)
            assert d._has_native_hstore == (hstores == 1), (d._has_native_hstore, hstores)
            assert d.server_version_info[0] == bind.connection.dbapi_connection.info.server_version // 10000
            """;

    @Test
    void aDialectDescribesItsSessionAfterARevisionChangedTheAnswersAndWithOtherEngineOptions() {
        // r2 installs hstore and creates the schema "$user" of the search path: what a new dialect learns changes
        AlembicProject project = AlembicProject.create(dir, ENV)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", CHECK + """
                        op.execute("CREATE EXTENSION hstore")
                        op.execute('CREATE SCHEMA "%s"' % bind.exec_driver_sql("select current_user").scalar())
                        """)
                .revision("r3", "r2", CHECK + """
                        assert isinstance(bind.exec_driver_sql("select 'a=>1'::hstore").scalar(), dict)
                        op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True))
                        """)
                .revision("r4", "r3", CHECK + "op.add_column('notes', sa.Column('a', sa.Text))")
                .revision("r5", "r4", CHECK + "op.add_column('notes', sa.Column('b', sa.Text))")
                .revision("r6", "r5", CHECK + "op.add_column('notes', sa.Column('c', sa.Text))");

        Result shared = Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check");
        Result separate = Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check",
                "--process-per-revision");

        for (Result result : List.of(shared, separate)) {
            for (String id : List.of("r2", "r3", "r4", "r5", "r6")) {
                assertEquals("applied", result.revision(id).get("status").asText(), id + ": " + result.describe());
            }
        }
    }

    @Test
    void aKeptSessionThatDiedIsReplacedBeforeTheNextCommandUsesIt() {
        // r2 leaves a session of its own kept (closed, so the driver keeps it) and ends its server process; r3 asks for
        // a session with the same arguments and must get a working one
        AlembicProject project = AlembicProject.create(dir)
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", """
                        import psycopg2
                        side = psycopg2.connect("")
                        with side.cursor() as cursor:
                            cursor.execute("select pg_backend_pid()")
                            pid = cursor.fetchone()[0]
                        side.close()
                        op.execute("select pg_terminate_backend(%d, 10000)" % pid)
                        op.add_column('orders', sa.Column('a', sa.Text))
                        """)
                .revision("r3", "r2", """
                        import psycopg2
                        side = psycopg2.connect("")
                        with side.cursor() as cursor:
                            cursor.execute("select 1")
                        side.close()
                        op.add_column('orders', sa.Column('b', sa.Text))
                        """);

        Result result = Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check");

        assertEquals("applied", result.revision("r2").get("status").asText(), result.describe());
        assertEquals("applied", result.revision("r3").get("status").asText(), result.describe());
    }

    /**
     * env.py configures logging from the ini at every command; the shared driver applies an unchanged file once, but
     * a handler a revision added to the root logger is gone at the next command, as with a process of its own.
     */
    @Test
    void envPysLoggingIsConfiguredAgainWhenARevisionChangedIt() throws Exception {
        Path caught = dir.resolve("caught.log");
        AlembicProject project = AlembicProject.create(dir, """
                from logging.config import fileConfig
                from alembic import context
                fileConfig(context.config.config_file_name)
                """ + AlembicProject.ENV_FROM_INI.formatted(""))
                .revision("r1", null, "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))")
                .revision("r2", "r1", """
                        import logging
                        logging.getLogger().addHandler(logging.FileHandler(%s))
                        logging.getLogger("lw.test").warning("r2 ran")
                        op.add_column('orders', sa.Column('a', sa.Text))
                        """.formatted(pythonString(caught)))
                .revision("r3", "r2", """
                        import logging
                        logging.getLogger("lw.test").warning("r3 ran")
                        op.add_column('orders', sa.Column('b', sa.Text))
                        """)
                .revision("r4", "r3", """
                        import logging
                        logging.getLogger("lw.test").warning("r4 ran")
                        op.add_column('orders', sa.Column('c', sa.Text))
                        """);
        project.write("alembic.ini", """
                [alembic]
                script_location = migrations
                sqlalchemy.url = postgresql://app:secret@production.invalid/app

                [loggers]
                keys = root

                [handlers]
                keys = stderr

                [formatters]
                keys =

                [logger_root]
                level = WARN
                handlers = stderr

                [handler_stderr]
                class = StreamHandler
                args = (sys.stderr,)
                """);

        for (String mode : List.of("shared", "separate")) {
            Files.deleteIfExists(caught);
            Result result = mode.equals("shared")
                    ? Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check")
                    : Lockwatch.verify(project, "--from", "r1", "--step", "--no-downgrade-check", "--process-per-revision");
            for (String id : List.of("r2", "r3", "r4")) {
                assertEquals("applied", result.revision(id).get("status").asText(), mode + " " + id + ": " + result.describe());
            }
            assertEquals(List.of("r2 ran"), Files.readAllLines(caught), mode);
        }
    }

    static String pythonString(Path path) {
        return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
