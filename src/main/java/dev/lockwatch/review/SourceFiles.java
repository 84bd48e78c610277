package dev.lockwatch.review;

import dev.lockwatch.model.SourceLocation;
import dev.lockwatch.model.SuppressionComment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The revision files a review reads, each parsed once, compared by real path (Python reports real paths). */
final class SourceFiles {
    private final Map<Path, Path> canonical = new HashMap<>();
    private final Map<Path, List<SuppressionComment>> comments = new HashMap<>();

    /** Makes {@code file} the name reports use for every path that resolves to it. */
    void register(Path file) {
        canonical.putIfAbsent(real(file), file.toAbsolutePath().normalize());
    }

    /** The same place, named as the revision graph names the file. */
    SourceLocation canonical(SourceLocation location) {
        Path file = canonical.get(real(location.file()));
        return file == null ? location : new SourceLocation(file, location.line());
    }

    List<SuppressionComment> comments(Path file) {
        Path name = canonical.getOrDefault(real(file), file.toAbsolutePath().normalize());
        return comments.computeIfAbsent(name, SuppressionComments::read);
    }

    private static Path real(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize();
        }
    }
}
