package dev.lockwatch.model;

import java.util.List;

/**
 * One index of a table.
 *
 * @param valid      {@code indisvalid}: false after a failed concurrent build
 * @param columns    key columns in order (INCLUDE columns excluded); {@code (expression)} for an expression
 * @param definition {@code pg_get_indexdef}
 */
public record IndexSchema(String name, boolean valid, boolean unique, List<String> columns, String definition) {

    public IndexSchema {
        columns = List.copyOf(columns);
    }

    public String describe() {
        return definition + (valid ? "" : " (INVALID)");
    }
}
