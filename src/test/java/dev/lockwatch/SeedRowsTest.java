package dev.lockwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockwatch.support.AlembicProject;
import dev.lockwatch.support.Lockwatch;
import dev.lockwatch.support.Lockwatch.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --seed-rows: synthetic rows that satisfy types and constraints, so hold times are measured on volume. */
class SeedRowsTest {
    private static final int ROWS = 50000;
    private static final String SCHEMA = """
            op.execute("CREATE TYPE customer_kind AS ENUM ('person', 'company')")
            op.execute('''CREATE TABLE customers (
                id serial PRIMARY KEY,
                email varchar(200) NOT NULL UNIQUE,
                name text NOT NULL,
                kind customer_kind NOT NULL,
                referrer_id int REFERENCES customers (id),
                created_at timestamptz NOT NULL DEFAULT now())''')
            op.execute('''CREATE TABLE orders (
                id bigserial PRIMARY KEY,
                customer_id int NOT NULL REFERENCES customers (id),
                code varchar(20) NOT NULL UNIQUE,
                total numeric(10, 2) NOT NULL,
                placed date,
                paid boolean NOT NULL,
                tags text[],
                meta jsonb,
                ref uuid UNIQUE)''')
            op.execute('''CREATE TABLE order_items (
                order_id bigint NOT NULL REFERENCES orders (id),
                product varchar(50) NOT NULL,
                qty smallint NOT NULL,
                PRIMARY KEY (order_id, product))''')
            op.execute('CREATE TABLE discounts (id int PRIMARY KEY, pct int NOT NULL CHECK (pct BETWEEN 0 AND 100))')
            """;

    @TempDir
    Path dir;

    private AlembicProject chain(String folder, String checks) {
        return AlembicProject.create(dir.resolve(folder))
                .revision("r1", null, SCHEMA)
                .revision("r2", "r1", checks + "\nop.create_index('ix_orders_total', 'orders', ['total'])");
    }

    @Test
    void busyTablesAreFilledParentsFirstAndTheIndexBuildIsMeasuredOnThatVolume() {
        String counts = """
                op.execute('''DO $$ BEGIN
                  IF (SELECT count(*) FROM customers) <> %1$d OR (SELECT count(*) FROM orders) <> %1$d
                     OR (SELECT count(*) FROM order_items) <> %1$d THEN RAISE EXCEPTION 'not seeded'; END IF;
                  IF (SELECT count(DISTINCT customer_id) FROM orders) < 1000 THEN RAISE EXCEPTION 'one parent'; END IF;
                END $$''')
                """.formatted(ROWS);

        Result seeded = Lockwatch.verify(chain("seeded", counts), "--from", "r1", "--seed-rows", Integer.toString(ROWS));
        Result empty = Lockwatch.verify(chain("empty", "pass"), "--from", "r1");

        assertEquals(1, seeded.exitCode(), seeded.describe());
        assertEquals("applied", seeded.revision("r2").get("status").asText(), "the counts inside r2 held");
        assertEquals(List.of("non-concurrent-index"), seeded.errors("r2"));
        JsonNode seed = seeded.json().get("data").get("seed");
        assertEquals(ROWS, seed.get("rows_per_table").asInt());
        for (String table : List.of("public.customers", "public.orders", "public.order_items")) {
            assertEquals(ROWS, seed.get("filled").get(table).asInt(), seed.toString());
        }
        assertTrue(seed.get("skipped").get("public.discounts").asText().contains("check constraint"), seed.toString());
        assertTrue(seeded.err().contains("seed: skipped public.discounts"), seeded.err());

        // the build itself, timed by the server between the DDL's start and end triggers, grows with the rows; the
        // hold time adds the rest of the transaction and the watcher's polling, which a loaded machine stretches
        JsonNode seededBuild = indexBuild(seeded);
        JsonNode emptyBuild = indexBuild(empty);
        assertTrue(seededBuild.get("duration_ms").asLong() > emptyBuild.get("duration_ms").asLong(),
                "the build on " + ROWS + " rows took " + seededBuild + ", on an empty table " + emptyBuild);
        long seededHeld = heldMs(seededBuild);
        assertTrue(seededHeld >= seededBuild.get("duration_ms").asLong(), seededBuild.toString());
        assertTrue(seeded.revision("r2").get("findings").get(0).get("message").asText()
                .contains("for " + seededHeld + " ms here"), seeded.describe());
    }

    @Test
    void onlyTheNamedBusyTablesAreFilled() {
        String counts = """
                op.execute('''DO $$ BEGIN
                  IF (SELECT count(*) FROM orders) <> 500 OR (SELECT count(*) FROM order_items) <> 0
                  THEN RAISE EXCEPTION 'wrong tables seeded'; END IF;
                END $$''')
                """;

        Result result = Lockwatch.verify(chain("named", counts), "--from", "r1", "--seed-rows", "500",
                "--busy-table", "orders");

        assertEquals("applied", result.revision("r2").get("status").asText(), result.describe());
        JsonNode filled = result.json().get("data").get("seed").get("filled");
        assertEquals(500, filled.get("public.orders").asInt());
        assertEquals(500, filled.get("public.customers").asInt(), "the empty parent its NOT NULL key needs: " + filled);
        assertEquals(2, filled.size(), filled.toString());
    }

    private static JsonNode indexBuild(Result result) {
        for (JsonNode statement : result.revision("r2").get("statements")) {
            if (statement.get("tag").asText().equals("CREATE INDEX")) {
                return statement;
            }
        }
        throw new AssertionError("no CREATE INDEX: " + result.describe());
    }

    /** How long the index build held its SHARE lock on orders. */
    private static long heldMs(JsonNode statement) {
        for (JsonNode lock : statement.get("locks")) {
            if (lock.get("table").asText().equals("public.orders") && lock.get("mode").asText().equals("SHARE")) {
                return lock.get("held_ms").asLong();
            }
        }
        throw new AssertionError("no SHARE lock on orders: " + statement);
    }
}
