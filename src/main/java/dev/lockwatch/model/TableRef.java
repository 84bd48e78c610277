package dev.lockwatch.model;

/** A table by schema and name; {@link #toString()} is the schema-qualified name the reports use. */
public record TableRef(String schema, String name) implements Comparable<TableRef> {

    /** Parses {@code schema.table} or a bare {@code table} (schema {@code public}). */
    public static TableRef parse(String qualified) {
        int dot = qualified.indexOf('.');
        return dot < 0 ? new TableRef("public", qualified) : new TableRef(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    /** The name quoted for SQL, e.g. {@code "public"."Orders"}. */
    public String sql() {
        return quote(schema) + "." + quote(name);
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }

    @Override
    public int compareTo(TableRef other) {
        return toString().compareTo(other.toString());
    }
}
