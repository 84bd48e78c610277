package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import dev.lockwatch.support.SharedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --table-stats: production's pg_stat_user_tables, exported with the query configuration.md gives by psql from a real
 * database, decides which tables are busy and scales hold times to production's row counts.
 */
class TableStatsTest {
    private static final int PRODUCTION_ORDERS = 200_000;
    private static final int LOCAL_ORDERS = 20_000;

    @TempDir
    static Path exports;

    @TempDir
    Path dir;

    /** A stand-in for production: orders written to and big, audit nearly idle. */
    @BeforeAll
    static void production() throws Exception {
        try (Connection c = SharedPostgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("drop database if exists production_like");
            s.execute("create database production_like");
        }
        try (Connection c = SharedPostgres.connect("production_like"); Statement s = c.createStatement()) {
            s.execute("create table orders (id serial primary key, n int)");
            s.execute("create table audit (id serial primary key, n int)");
            s.execute("insert into orders (n) select g from generate_series(1, " + PRODUCTION_ORDERS + ") g");
            s.execute("insert into audit (n) values (1), (2)");
            s.execute("analyze");
            s.execute("select pg_stat_force_next_flush()"); // the statistics views see this session's writes now
        }
    }

    /** The query the configuration docs give, taken from them. */
    private static String readmeQuery() throws Exception {
        String readme = Files.readString(Path.of("src/site/markdown/configuration.md"));
        int marker = readme.indexOf("<!-- table-stats-query -->");
        assertTrue(marker >= 0, "configuration.md documents the query");
        int start = readme.indexOf("```sql", marker) + "```sql".length();
        return readme.substring(start, readme.indexOf("```", start)).strip();
    }

    private static Path export(String file, String... psqlArguments) throws Exception {
        Path out = exports.resolve(file);
        List<String> command = new java.util.ArrayList<>(List.of("psql", "-X", "-h", "localhost", "-p",
                Integer.toString(SharedPostgres.server().getPort()), "-U", "postgres", "-d", "production_like", "-o",
                out.toString()));
        command.addAll(List.of(psqlArguments));
        Process psql = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(exports.resolve(file + ".log").toFile()).start();
        assertTrue(psql.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, psql.exitValue(), Files.readString(exports.resolve(file + ".log")));
        return out;
    }

    private AlembicProject chain() {
        return AlembicProject.create(dir)
                .revision("r1", null, """
                        op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True), sa.Column('n', sa.Integer))
                        op.execute('INSERT INTO orders (n) SELECT g FROM generate_series(1, %d) g')
                        op.execute('ANALYZE orders')
                        """.formatted(LOCAL_ORDERS))
                .revision("r2", "r1", """
                        op.create_index('ix_orders_n', 'orders', ['n'])
                        op.create_index('ix_audit_n', 'audit', ['n'])
                        """);
    }

    private static JsonNode lockOn(Result result, String table) {
        for (JsonNode statement : result.revision("r2").get("statements")) {
            for (JsonNode lock : statement.get("locks")) {
                if (lock.get("table").asText().equals(table) && lock.get("mode").asText().equals("SHARE")) {
                    return lock;
                }
            }
        }
        throw new AssertionError("no SHARE lock on " + table + ": " + result.describe());
    }

    private static void assertBusyOrdersScaledToProduction(Result result) {
        assertEquals(1, result.exitCode(), result.describe());
        JsonNode orders = lockOn(result, "public.orders");
        assertTrue(orders.get("busy").asBoolean());
        assertEquals(LOCAL_ORDERS, orders.get("local_rows").asLong(), orders.toString());
        assertEquals(PRODUCTION_ORDERS, orders.get("production_rows").asLong(), orders.toString());
        long expected = Math.max(1, orders.get("held_ms").asLong()) * PRODUCTION_ORDERS / LOCAL_ORDERS;
        assertEquals(expected, orders.get("estimated_production_ms").asLong(), orders.toString());
        JsonNode audit = lockOn(result, "public.audit");
        assertFalse(audit.get("busy").asBoolean(), "two rows and two writes in production: not busy");
        assertFalse(audit.has("estimated_production_ms"), "empty here: nothing to scale from: " + audit);

        JsonNode finding = result.revision("r2").get("findings").get(0);
        assertEquals(1, result.revision("r2").get("findings").size(), "only the busy table: " + result.describe());
        assertEquals("public.orders", finding.get("table").asText());
        assertTrue(finding.get("message").asText().contains("at 200 k rows in production (an estimate, scaled linearly "
                + "from 20 k rows here)"), finding.toString());
        JsonNode stats = result.json().get("data").get("table_stats");
        assertEquals("[\"public.orders\"]", stats.get("busy").toString());
    }

    @Test
    void aCsvExportDecidesWhichTablesAreBusyAndScalesHoldTimes() throws Exception {
        Path csv = export("stats.csv", "--csv", "-c", readmeQuery());

        Result result = Lockwatch.verifyFocused(chain(), "--from", "r1", "--table-stats", csv.toString());

        assertBusyOrdersScaledToProduction(result);
    }

    @Test
    void aJsonExportWorksTheSame() throws Exception {
        Path json = export("stats.json", "-At", "-c", "SELECT json_agg(t) FROM (" + readmeQuery() + ") t");

        Result result = Lockwatch.verifyFocused(chain(), "--from", "r1", "--table-stats", json.toString());

        assertBusyOrdersScaledToProduction(result);
    }

    @Test
    void theThresholdsAreOptions() throws Exception {
        Path csv = export("stats-thresholds.csv", "--csv", "-c", readmeQuery());

        Result result = Lockwatch.verifyFocused(chain(), "--from", "r1", "--table-stats", csv.toString(),
                "--busy-min-rows", "1");

        assertEquals(2, result.revision("r2").get("findings").size(), result.describe());
        assertTrue(lockOn(result, "public.audit").get("busy").asBoolean());
    }

    @Test
    void theTextReportStatesTheEstimate() throws Exception {
        Path csv = export("stats-text.csv", "--csv", "-c", readmeQuery());

        Result result = Lockwatch.runFocused("verify", "-c", chain().ini().toString(), "--from", "r1",
                "--server-url", SharedPostgres.url(), "--table-stats", csv.toString());

        // the line wraps at the report's width, where depends on how long the path is
        assertTrue(result.out().replaceAll("\\s+", " ").contains("table stats " + csv + ": 1 busy table(s) of 2"),
                result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.contains("non-concurrent-index") && l.contains(" in production")),
                "the table of what fails gives the estimate: " + result.out());
    }

    @Test
    void anExportWithoutTableNamesIsAUsageError() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.csv"), "name,rows\norders,12\n");

        Result result = Lockwatch.verifyFocused(chain(), "--from", "r1", "--table-stats", bad.toString());

        assertEquals(2, result.exitCode(), result.describe());
        assertEquals(1, result.err().strip().lines().count(), result.err());
        assertTrue(result.err().contains("has no relname column"), result.err());
    }
}
