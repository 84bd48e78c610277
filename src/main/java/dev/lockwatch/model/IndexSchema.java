package dev.lockwatch.model;

import java.util.List;

/**
 * One index of a table.
 *
 * @param valid      {@code indisvalid}: false after a failed concurrent build
 * @param columns    key columns in order (INCLUDE columns excluded); {@code (expression)} for an expression
 * @param definition {@code pg_get_indexdef}
 * @param oid        the index's oid, with {@code filenode} its storage; 0 when not read
 */
public record IndexSchema(String name, boolean valid, boolean unique, List<String> columns, String definition,
                          long oid, long filenode) {

    public IndexSchema {
        columns = List.copyOf(columns);
    }

    public IndexSchema(String name, boolean valid, boolean unique, List<String> columns, String definition) {
        this(name, valid, unique, columns, definition, 0, 0);
    }

    public String describe() {
        return definition + (valid ? "" : " (INVALID)");
    }
}
