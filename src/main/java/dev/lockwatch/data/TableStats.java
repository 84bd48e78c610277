package dev.lockwatch.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockwatch.model.LockwatchException;
import dev.lockwatch.model.ObservedLock;
import dev.lockwatch.model.ProductionEstimate;
import dev.lockwatch.model.ProductionTable;
import dev.lockwatch.model.Statement;
import dev.lockwatch.model.TableRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Production's table statistics, exported with the query in configuration.md as CSV ({@code psql --csv}) or JSON
 * ({@code json_agg}): which tables are busy, and how many rows each has, to scale measured lock times to.
 */
public record TableStats(Path file, Map<TableRef, ProductionTable> tables) {
    private static final List<String> SCHEMA = List.of("schemaname", "schema", "table_schema", "nspname");
    private static final List<String> TABLE = List.of("relname", "table", "table_name", "tablename");
    private static final List<String> ROWS = List.of("reltuples", "n_live_tup", "rows");
    private static final List<String> WRITES = List.of("n_tup_ins", "n_tup_upd", "n_tup_del");
    private static final List<String> BYTES = List.of("total_bytes", "pg_total_relation_size", "size_bytes");

    public TableStats {
        tables = Map.copyOf(tables);
    }

    public static TableStats read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw LockwatchException.usage("--table-stats " + file + " cannot be read: " + e.getMessage());
        }
        String start = text.stripLeading();
        List<Map<String, String>> rows = start.startsWith("[") || start.startsWith("{") ? json(file, start) : csv(file, text);
        Map<TableRef, ProductionTable> tables = new LinkedHashMap<>();
        int line = 1;
        for (Map<String, String> row : rows) {
            line++;
            ProductionTable table = table(file, line, row);
            tables.put(table.table(), table);
        }
        if (tables.isEmpty()) {
            throw LockwatchException.usage("--table-stats " + file + " lists no table: export it with the query in "
                    + "the --table-stats section of src/site/markdown/configuration.md");
        }
        return new TableStats(file, tables);
    }

    /** Tables with at least {@code minWrites} written rows or at least {@code minRows} rows. */
    public Set<TableRef> busy(long minWrites, long minRows) {
        Set<TableRef> busy = new TreeSet<>();
        tables.values().stream().filter(t -> t.writes() >= minWrites || t.rows() >= minRows)
                .forEach(t -> busy.add(t.table()));
        return busy;
    }

    /** Each lock on a table production's statistics know, with its hold time scaled to production's rows. */
    public List<Statement> scale(List<Statement> statements, Map<TableRef, Long> localRows) {
        return statements.stream().map(statement -> statement.withLocks(statement.locks().stream()
                .map(lock -> lock.withEstimate(estimate(lock, localRows))).toList())).toList();
    }

    private ProductionEstimate estimate(ObservedLock lock, Map<TableRef, Long> localRows) {
        ProductionTable production = tables.get(lock.table());
        if (production == null) {
            return null;
        }
        return ProductionEstimate.scale(lock.heldMs(), localRows.getOrDefault(lock.table(), 0L), production.rows());
    }

    private static ProductionTable table(Path file, int line, Map<String, String> row) {
        String name = value(row, TABLE);
        if (name == null || name.isBlank()) {
            throw LockwatchException.usage("--table-stats " + file + " row " + line + " has no table name (column "
                    + "relname); export it with the query in src/site/markdown/configuration.md");
        }
        String schema = value(row, SCHEMA);
        TableRef table = schema == null || schema.isBlank() ? TableRef.parse(name) : new TableRef(schema, name);
        String rows = value(row, ROWS);
        if (rows == null) {
            throw LockwatchException.usage("--table-stats " + file + " row " + line + " (" + table + ") has no row "
                    + "count: include reltuples or n_live_tup");
        }
        long writes = 0;
        for (String column : WRITES) {
            writes += number(file, line, column, row.get(column), 0);
        }
        long bytes = number(file, line, "total_bytes", value(row, BYTES), -1);
        return new ProductionTable(table, Math.max(0, number(file, line, "reltuples", rows, 0)), writes, bytes);
    }

    private static String value(Map<String, String> row, List<String> names) {
        for (String name : names) {
            String value = row.get(name);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }

    private static long number(Path file, int line, String column, String value, long absent) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            return Math.round(Double.parseDouble(value.strip()));
        } catch (NumberFormatException e) {
            throw LockwatchException.usage("--table-stats " + file + " row " + line + ": " + column + " is not a "
                    + "number: " + value);
        }
    }

    private static List<Map<String, String>> json(Path file, String text) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw LockwatchException.usage("--table-stats " + file + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode array = root.isObject() && root.has("tables") ? root.get("tables") : root;
        if (!array.isArray()) {
            throw LockwatchException.usage("--table-stats " + file + " must be a JSON array of table objects");
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (JsonNode node : array) {
            Map<String, String> row = new HashMap<>();
            node.fields().forEachRemaining(e -> row.put(e.getKey().toLowerCase(Locale.ROOT),
                    e.getValue().isNull() ? null : e.getValue().asText()));
            rows.add(row);
        }
        return rows;
    }

    /** RFC 4180 CSV with a header line, as {@code psql --csv} writes it. */
    private static List<Map<String, String>> csv(Path file, String text) {
        List<List<String>> records = CsvRecords.parse(text);
        if (records.isEmpty()) {
            throw LockwatchException.usage("--table-stats " + file + " is empty");
        }
        List<String> header = records.get(0).stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
        if (header.stream().noneMatch(TABLE::contains)) {
            throw LockwatchException.usage("--table-stats " + file + " has no relname column in its header line ("
                    + String.join(",", header) + "): export it with the query in src/site/markdown/configuration.md");
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (List<String> record : records.subList(1, records.size())) {
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.size() && i < record.size(); i++) {
                row.put(header.get(i), record.get(i));
            }
            rows.add(row);
        }
        return rows;
    }
}
