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

    /** As {@link #toString()}s compare, without making them: tables are sorted and looked up in sorted maps a lot. */
    @Override
    public int compareTo(TableRef other) {
        if (schema.equals(other.schema)) {
            return name.compareTo(other.name); // the same prefix: the names decide, as String compares them (fast)
        }
        int length = schema.length() + 1 + name.length();
        int otherLength = other.schema.length() + 1 + other.name.length();
        for (int i = 0; i < Math.min(length, otherLength); i++) {
            char c = charAt(i);
            char o = other.charAt(i);
            if (c != o) {
                return c - o;
            }
        }
        return length - otherLength;
    }

    private char charAt(int i) {
        return i < schema.length() ? schema.charAt(i) : i == schema.length() ? '.' : name.charAt(i - schema.length() - 1);
    }
}
