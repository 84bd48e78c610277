package dev.lockwatch.model;

/**
 * One column as the catalog describes it.
 *
 * @param position          {@code attnum}: stays with the column through a rename
 * @param type              {@code format_type}, e.g. {@code character varying(20)}
 * @param defaultExpression {@code pg_get_expr} of the default (or generation expression), null when none
 * @param typeOid           {@code atttypid}, with {@code typmod}: the type by identity (a renamed type is the same);
 *                          0 when not read
 */
public record ColumnSchema(String name, int position, String type, boolean notNull, String defaultExpression,
                           boolean identity, boolean generated, long typeOid, int typmod) {

    public ColumnSchema(String name, int position, String type, boolean notNull, String defaultExpression,
                        boolean identity, boolean generated) {
        this(name, position, type, notNull, defaultExpression, identity, generated, 0, -1);
    }

    /** The column's definition as a migration would spell it, without its position. */
    public String describe() {
        return type + (notNull ? " NOT NULL" : "") + (identity ? " GENERATED AS IDENTITY" : "")
                + (defaultExpression == null ? "" : (generated ? " GENERATED ALWAYS AS " : " DEFAULT ") + defaultExpression);
    }
}
