package dev.lockwatch.model;

import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Where in the project something comes from: a revision file and, when known, the line of the {@code op.*}
 * call (or {@code op.execute}) that issued it.
 *
 * @param file absolute, normalized
 * @param line 1-based; empty when lockwatch could not tell
 */
public record SourceLocation(Path file, OptionalInt line) {

    public SourceLocation {
        file = file.toAbsolutePath().normalize();
        Objects.requireNonNull(line, "line");
    }

    public SourceLocation(Path file, int line) {
        this(file, OptionalInt.of(line));
    }

    public static SourceLocation fileOnly(Path file) {
        return new SourceLocation(file, OptionalInt.empty());
    }

    public SourceLocation atLine(int otherLine) {
        return new SourceLocation(file, otherLine);
    }
}
