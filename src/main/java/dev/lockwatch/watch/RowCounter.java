package dev.lockwatch.watch;

import static dev.lockwatch.watch.CatalogQueries.COUNT;
import static dev.lockwatch.watch.CatalogQueries.COUNT_LOCK_TIMEOUT;

import dev.lockwatch.model.RowCount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rows of the tables {@link SchemaReader} reads, on its connection: counted exactly up to
 * {@link RowCount#EXACT_LIMIT_BYTES}, estimated from the planner's statistics above, under a short lock timeout (a
 * session lockwatch does not own may hold a table; that table's rows then stay unknown rather than waited for).
 */
final class RowCounter {
    /** What a count whose lock did not come in time fails with. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final Connection connection;
    private long blockSize;

    RowCounter(Connection connection) {
        this.connection = connection;
    }

    /** Whether {@code e} is a count that a lock kept waiting past the timeout. */
    static boolean blocked(SQLException e) {
        return LOCK_NOT_AVAILABLE.equals(e.getSQLState());
    }

    /**
     * count(*) for plain tables and materialized views up to {@link RowCount#EXACT_LIMIT_BYTES}, the planner's
     * estimate above; none for partitioned and foreign tables. All tables in one round trip; when a lock keeps
     * lockwatch from reading one of them, table by table, and that one unknown rather than waited for.
     */
    Map<Long, RowCount> rows(Collection<TableDraft> drafts) {
        List<TableDraft> countable = countable(drafts);
        try {
            return count(countable);
        } catch (SQLException e) {
            return tableByTable(countable);
        }
    }

    private Map<Long, RowCount> tableByTable(List<TableDraft> countable) {
        Map<Long, RowCount> rows = new HashMap<>();
        for (TableDraft d : countable) {
            try {
                rows.putAll(count(List.of(d)));
            } catch (SQLException held) {
                // a session lockwatch does not own still holds this table: its rows stay unknown
            }
        }
        return rows;
    }

    /** {@link #rows(Collection)}, taken from what the catalog read counted where it did. */
    Map<Long, RowCount> rows(Collection<TableDraft> drafts, Optional<Counted> counted) throws SQLException {
        if (counted.isEmpty()) {
            return rows(drafts);
        }
        List<TableDraft> countable = countable(drafts);
        if (counted.get().blocked()) {
            return tableByTable(countable);
        }
        Map<Long, RowCount> rows = rows(counted.get(), countable);
        rows.putAll(rows(countable.stream().filter(d -> !counted.get().covers(d)).toList()));
        return rows;
    }

    private static List<TableDraft> countable(Collection<TableDraft> drafts) {
        return drafts.stream().filter(d -> d.kind.equals("table") || d.kind.equals("materialized view")).toList();
    }

    /**
     * The rows of {@code tables}, under a 2 s lock timeout, in one round trip ({@link CatalogQueries#COUNT}): counted when small
     * enough, else estimated from the table's size.
     */
    private Map<Long, RowCount> count(List<TableDraft> tables) throws SQLException {
        if (tables.isEmpty()) {
            return new HashMap<>();
        }
        try (PreparedStatement s = connection.prepareStatement(COUNT_LOCK_TIMEOUT + ";\n" + COUNT + ";\nreset lock_timeout")) {
            s.setArray(1, connection.createArrayOf("int8", tables.stream().map(d -> d.oid).toArray(Long[]::new)));
            resettingLockTimeout(s::execute);
            s.getMoreResults();
            return rows(Counted.of(s.getResultSet()), tables);
        }
    }

    interface Read {
        void run() throws SQLException;
    }

    /** Runs {@code read}, which sets a lock timeout and resets it: when it fails, the timeout is reset all the same. */
    void resettingLockTimeout(Read read) throws SQLException {
        try {
            read.run();
        } catch (SQLException e) {
            try (Statement s = connection.createStatement()) {
                s.execute("reset lock_timeout");
            }
            throw e;
        }
    }

    /**
     * What a count read: the tables it counted, and the size of each table too large to count; or that a lock kept it
     * from counting them all ({@code blocked}).
     */
    record Counted(Map<Long, RowCount> exact, Map<Long, Long> bytes, boolean blocked) {
        static final Counted BLOCKED = new Counted(Map.of(), Map.of(), true);

        static Counted of(ResultSet rs) throws SQLException {
            Map<Long, RowCount> exact = new HashMap<>();
            Map<Long, Long> bytes = new HashMap<>();
            try (rs) {
                while (rs.next()) {
                    long count = rs.getLong(3);
                    if (rs.wasNull()) {
                        bytes.put(rs.getLong(1), rs.getLong(2));
                    } else {
                        exact.put(rs.getLong(1), new RowCount(count, true));
                    }
                }
            }
            return new Counted(exact, bytes, false);
        }

        boolean covers(TableDraft d) {
            return exact.containsKey(d.oid) || bytes.containsKey(d.oid);
        }
    }

    /** The rows of {@code tables} that {@code counted} covers: counted, or estimated from their size. */
    private Map<Long, RowCount> rows(Counted counted, Collection<TableDraft> tables) throws SQLException {
        Map<Long, RowCount> rows = new HashMap<>();
        List<TableDraft> estimated = new ArrayList<>();
        for (TableDraft d : tables) {
            RowCount exact = counted.exact().get(d.oid);
            if (exact != null) {
                rows.put(d.oid, exact);
            } else if (counted.bytes().containsKey(d.oid)) {
                estimated.add(d);
            }
        }
        if (!estimated.isEmpty()) {
            try (Statement s = connection.createStatement()) { // one for all: it reads the block size once at most
                for (TableDraft d : estimated) {
                    estimate(d, counted.bytes().get(d.oid), s).ifPresent(estimate -> rows.put(d.oid, estimate));
                }
            }
        }
        return rows;
    }

    /** The planner's rows per page, times the table's pages now; empty when it has never been analyzed. */
    private Optional<RowCount> estimate(TableDraft d, long bytes, Statement s) throws SQLException {
        if (d.relpages <= 0 || d.reltuples < 0) {
            return Optional.empty();
        }
        return Optional.of(new RowCount(Math.round(d.reltuples / d.relpages * (bytes / blockSize(s))), false));
    }

    private long blockSize(Statement s) throws SQLException {
        if (blockSize == 0) {
            blockSize = single(s, "select current_setting('block_size')::bigint");
        }
        return blockSize;
    }

    private static long single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
