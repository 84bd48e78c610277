package dev.lockwatch.alembic;

import dev.lockwatch.model.LockwatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of an {@code alembic.ini} lockwatch needs, read the way Alembic's ConfigParser does:
 * {@code %(here)s} is the ini's folder, relative paths are relative to the working directory, which
 * lockwatch sets to the ini's folder as users do.
 */
public final class AlembicIni {
    private static final Pattern SECTION = Pattern.compile("^\\s*\\[([^]]+)]\\s*$");
    private static final Pattern OPTION = Pattern.compile("^([^\\s#;][^=:]*?)\\s*[=:]\\s*(.*)$");

    private final Path file;
    private final List<String> lines;
    private final String section;
    private final Map<String, String> options;

    private AlembicIni(Path file, List<String> lines, String section, Map<String, String> options) {
        this.file = file;
        this.lines = lines;
        this.section = section;
        this.options = options;
    }

    /** Reads {@code file}; {@code section} is Alembic's {@code --name}, normally {@code alembic}. */
    public static AlembicIni read(Path file, String section) {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute)) {
            throw LockwatchException.usage("no alembic config at " + absolute
                    + ": run lockwatch in the folder that holds alembic.ini, or pass --config PATH");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(absolute);
        } catch (IOException e) {
            throw LockwatchException.usage("cannot read " + absolute + ": " + e.getMessage());
        }
        Map<String, String> options = sectionOptions(lines, section);
        if (options == null) {
            throw LockwatchException.usage(absolute + " has no [" + section + "] section: is it an alembic.ini?");
        }
        if (!options.containsKey("script_location")) {
            throw LockwatchException.usage(absolute + " sets no script_location in [" + section + "]");
        }
        return new AlembicIni(absolute, List.copyOf(lines), section, options);
    }

    public Path file() {
        return file;
    }

    /** The ini section Alembic reads, its {@code --name}. */
    public String section() {
        return section;
    }

    public Path folder() {
        return file.getParent();
    }

    /** The folder that holds env.py. */
    public Path scriptLocation() {
        return resolve(option("script_location"));
    }

    /** Every folder that holds revision files: {@code version_locations}, else {@code <script_location>/versions}. */
    public List<Path> versionLocations() {
        String configured = options.get("version_locations");
        if (configured == null || configured.isBlank()) {
            return List.of(scriptLocation().resolve("versions"));
        }
        String separator = options.getOrDefault("version_path_separator", "legacy").trim();
        String regex = switch (separator) {
            case "os", ":" -> ":";
            case ";" -> ";";
            case "space" -> " ";
            case "newline" -> "\n";
            default -> "[ ,]"; // alembic's legacy splitting: spaces and commas
        };
        List<Path> paths = new ArrayList<>();
        for (String part : configured.split(regex)) {
            if (!part.isBlank()) {
                paths.add(resolve(part.trim()));
            }
        }
        return paths;
    }

    public boolean recursiveVersionLocations() {
        return Boolean.parseBoolean(options.getOrDefault("recursive_version_locations", "false").trim());
    }

    /**
     * The ini's text with {@code sqlalchemy.url} set to {@code url} and every {@code %(here)s} replaced by the
     * original folder, so that a copy written elsewhere behaves exactly like the original.
     */
    public String withUrl(String url) {
        String here = folder().toString().replace("%", "%%");
        String escapedUrl = url.replace("%", "%%");
        List<String> out = new ArrayList<>();
        String current = null;
        boolean written = false;
        boolean skippingContinuation = false;
        for (String line : lines) {
            Matcher header = SECTION.matcher(line);
            if (header.matches()) {
                if (section.equals(current) && !written) {
                    out.add("sqlalchemy.url = " + escapedUrl);
                    written = true;
                }
                current = header.group(1).trim();
                skippingContinuation = false;
                out.add(line);
                continue;
            }
            if (skippingContinuation && !line.isEmpty() && Character.isWhitespace(line.charAt(0))) {
                continue;
            }
            skippingContinuation = false;
            Matcher option = OPTION.matcher(line);
            if (section.equals(current) && option.matches() && option.group(1).trim().equals("sqlalchemy.url")) {
                out.add("sqlalchemy.url = " + escapedUrl);
                written = true;
                skippingContinuation = true;
                continue;
            }
            out.add(line.replace("%(here)s", here));
        }
        if (!written) {
            out.add("sqlalchemy.url = " + escapedUrl);
        }
        return String.join("\n", out) + "\n";
    }

    private String option(String name) {
        return options.get(name).trim();
    }

    private Path resolve(String value) {
        String expanded = value.replace("%(here)s", folder().toString());
        if (expanded.contains(":") && !expanded.contains("/")) {
            throw LockwatchException.usage(file + ": package-resource locations such as '" + value
                    + "' are not supported; use a folder path");
        }
        Path path = Path.of(expanded);
        return (path.isAbsolute() ? path : folder().resolve(path)).normalize();
    }

    /** Options of one section with continuation lines joined, or null when the section is absent. */
    private static Map<String, String> sectionOptions(List<String> lines, String section) {
        Map<String, String> options = null;
        String current = null;
        String lastKey = null;
        for (String line : lines) {
            Matcher header = SECTION.matcher(line);
            if (header.matches()) {
                current = header.group(1).trim();
                if (current.equals(section) && options == null) {
                    options = new LinkedHashMap<>();
                }
                lastKey = null;
                continue;
            }
            if (!section.equals(current) || options == null) {
                continue;
            }
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0)) && lastKey != null) {
                options.merge(lastKey, "\n" + trimmed, String::concat);
                continue;
            }
            Matcher option = OPTION.matcher(line);
            if (option.matches()) {
                lastKey = option.group(1).trim();
                options.put(lastKey, option.group(2).trim());
            }
        }
        return options;
    }
}
