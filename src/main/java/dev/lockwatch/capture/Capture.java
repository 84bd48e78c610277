package dev.lockwatch.capture;

import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;

/** Installs lockwatch's event triggers and gate functions in the scratch database (see capture.sql). */
public final class Capture {
    /** The first key of lockwatch's two-key advisory locks ("lckw"); objid 1 and 2 are the gates. */
    public static final int GATE_KEY = 0x6c636b77;
    public static final String DEFAULT_VERSION_TABLE = "alembic_version";

    private Capture() {
    }

    public static void install(Connection connection, String versionTable) {
        if (!versionTable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw LockwatchException.usage("version table name '" + versionTable + "' is not a plain identifier");
        }
        String sql = script().replace("@GATE_KEY@", Integer.toString(GATE_KEY)).replace("@VERSION_TABLE@", versionTable);
        for (var fragment : GateProtocol.sqlFragments().entrySet()) {
            sql = sql.replace(fragment.getKey(), fragment.getValue());
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot install lockwatch's event triggers: " + e.getMessage(), e);
        }
    }

    /**
     * Gates DML on the tables of {@code oids} that have no gate yet: tables appear as the chain runs (a judged
     * statement's end gate gates what it creates; an unjudged command's tables are gated here).
     */
    public static void gateTables(Connection connection, Collection<Long> oids) {
        try (PreparedStatement statement = connection.prepareStatement("select lockwatch.gate_tables(?::oid[])")) {
            statement.setArray(1, connection.createArrayOf("int8", oids.toArray(Long[]::new)));
            statement.execute();
        } catch (SQLException e) {
            throw LockwatchException.environment("cannot install lockwatch's DML gates: " + e.getMessage(), e);
        }
    }

    private static String script() {
        try (InputStream in = Capture.class.getResourceAsStream("capture.sql")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("capture.sql missing from the lockwatch jar", e);
        }
    }
}
