package dev.lockwatch.rules;

import dev.lockwatch.model.TableRef;
import java.util.Set;

/** Names as a hint prints them: SQL identifiers quoted where PostgreSQL needs it, inside Python string literals. */
final class Identifiers {
    /** PostgreSQL's reserved key words, and those that cannot be a table or column name unquoted. */
    private static final Set<String> RESERVED = Set.of("all", "analyse", "analyze", "and", "any", "array", "as", "asc",
            "asymmetric", "authorization", "binary", "both", "case", "cast", "check", "collate", "collation", "column",
            "concurrently", "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
            "current_schema", "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc",
            "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "freeze", "from", "full",
            "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join",
            "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "notnull",
            "null", "offset", "on", "only", "or", "order", "outer", "overlaps", "placing", "primary", "references",
            "returning", "right", "select", "session_user", "similar", "some", "symmetric", "system_user", "table",
            "tablesample", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose",
            "when", "where", "window", "with");

    private Identifiers() {
    }

    /** {@code name} as SQL needs it: bare when lower-case, plain and not reserved, else in double quotes. */
    static String sql(String name) {
        if (name.matches("[a-z_][a-z0-9_$]*") && !RESERVED.contains(name)) {
            return name;
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** The table as SQL names it: schema-qualified unless in public. */
    static String sql(TableRef table) {
        return (table.schema().equals("public") || table.schema().isEmpty() ? "" : sql(table.schema()) + ".")
                + sql(table.name());
    }

    /** {@code text} as a single-quoted Python string literal. */
    static String python(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
