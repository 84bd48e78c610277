package dev.lockwatch.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One table constraint.
 *
 * @param validated  {@code convalidated}: false for a constraint added NOT VALID and not validated since
 * @param definition {@code pg_get_constraintdef}, e.g. {@code CHECK ((qty > 0))}
 * @param columns    the constrained columns, in key order
 * @param references the referenced table of a foreign key, else null
 * @param oid        the constraint's oid; 0 when not read
 */
public record ConstraintSchema(String name, Kind kind, boolean validated, String definition, List<String> columns,
                               TableRef references, long oid) {

    public ConstraintSchema {
        columns = List.copyOf(columns);
    }

    public ConstraintSchema(String name, Kind kind, boolean validated, String definition, List<String> columns,
                            TableRef references) {
        this(name, kind, validated, definition, columns, references, 0);
    }

    /** The constraint kinds lockwatch follows, by {@code pg_constraint.contype}. */
    public enum Kind {
        CHECK('c'), FOREIGN_KEY('f'), PRIMARY_KEY('p'), UNIQUE('u'), EXCLUSION('x');

        private final char code;

        Kind(char code) {
            this.code = code;
        }

        /** Empty for kinds lockwatch does not follow: constraint triggers, and PostgreSQL 18's NOT NULL rows. */
        public static Optional<Kind> fromCode(String contype) {
            return Arrays.stream(values()).filter(k -> contype.length() == 1 && k.code == contype.charAt(0)).findFirst();
        }

        /** e.g. {@code foreign key} */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    public String describe() {
        return definition + (validated ? "" : " NOT VALID");
    }
}
