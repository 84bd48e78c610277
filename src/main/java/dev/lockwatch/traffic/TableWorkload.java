package dev.lockwatch.traffic;

import dev.lockwatch.model.TableRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The three requests the workload sends to one table: a primary-key read, a single-row insert and a
 * single-row update. Tables without a one-column primary key get equivalent requests that take the same table
 * locks; tables whose rows cannot be made from defaults get no inserts.
 */
record TableWorkload(TableRef table, String read, Optional<String> insert, String update, List<Object> keys) {

    static TableWorkload discover(Connection connection, TableRef table) throws SQLException {
        String name = quote(table.schema()) + "." + quote(table.name());
        Optional<String> key = primaryKey(connection, table);
        List<Object> keys = new ArrayList<>();
        String read;
        String update;
        if (key.isPresent()) {
            String column = quote(key.get());
            read = "SELECT * FROM " + name + " WHERE " + column + " = ?";
            update = "UPDATE " + name + " SET " + column + " = " + column + " WHERE " + column + " = ?";
            try (PreparedStatement s = connection.prepareStatement("SELECT " + column + " FROM " + name + " LIMIT 100");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getObject(1));
                }
            }
        } else {
            read = "SELECT * FROM " + name + " LIMIT 1";
            update = "UPDATE " + name + " SET " + quote(firstColumn(connection, table)) + " = "
                    + quote(firstColumn(connection, table)) + " WHERE false"; // takes the write lock, changes nothing
        }
        String insert = "INSERT INTO " + name + " DEFAULT VALUES";
        return new TableWorkload(table, read, insertable(connection, insert) ? Optional.of(insert) : Optional.empty(),
                update, keys);
    }

    /** The parameter for request {@code n}: an existing key, cycled; null when the statement takes none. */
    Object key(long n) {
        return keys.isEmpty() ? null : keys.get((int) (n % keys.size()));
    }

    private static boolean insertable(Connection connection, String insert) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        Savepoint probe = connection.setSavepoint();
        try (var s = connection.createStatement()) {
            s.execute(insert);
            return true;
        } catch (SQLException notFromDefaults) {
            return false;
        } finally {
            connection.rollback(probe);
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        }
    }

    private static Optional<String> primaryKey(Connection connection, TableRef table) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("""
                select a.attname from pg_index i
                  join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                 where i.indrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass and i.indisprimary
                   and array_length(i.indkey::int2[], 1) = 1""")) {
            s.setString(1, table.schema());
            s.setString(2, table.name());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private static String firstColumn(Connection connection, TableRef table) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("""
                select attname from pg_attribute
                 where attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass and attnum > 0 and not attisdropped
                 order by attnum limit 1""")) {
            s.setString(1, table.schema());
            s.setString(2, table.name());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
