package dev.lockwatch.model;

import java.nio.file.Path;

/**
 * Where in the project something comes from: a revision file and, when known, the line of the {@code op.*}
 * call (or {@code op.execute}) that issued it.
 *
 * @param file absolute, normalized
 * @param line 1-based; null when lockwatch could not tell
 */
public record SourceLocation(Path file, Integer line) {

    public SourceLocation {
        file = file.toAbsolutePath().normalize();
    }

    public static SourceLocation fileOnly(Path file) {
        return new SourceLocation(file, null);
    }

    public SourceLocation atLine(int otherLine) {
        return new SourceLocation(file, otherLine);
    }
}
